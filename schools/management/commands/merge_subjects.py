from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from schools.subject_merge import merge_subjects


class Command(BaseCommand):
    help = (
        "Объединить предметы, записанные по-разному («Математика профильная» и «Математика (профильный уровень)»): "
        "то же, что миграция schools 0018, — повторить после того, как конфликты результатов разрешены."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            report = merge_subjects(apps.get_model)
        if not report.changed:
            self.stdout.write("Все предметы уже под своими ключами — объединять нечего.")
        for line in report.lines():
            self.stdout.write(line)
