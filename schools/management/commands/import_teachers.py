from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from core.imports import import_file
from core.management_utils import report_batch
from core.models import ImportBatch
from core.policies import SYSTEM  # the command line is a trusted caller
from schools.selectors import region_for_command


class Command(BaseCommand):
    help = (
        "Загрузить педагогов школ из .xlsx или .csv (все строки проверяются; при ошибке ничего не меняется). "
        "Школы должны уже быть в реестре."
    )
    kind = "teachers"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", help="Регион (можно не указывать, пока в базе один регион)")

    def handle(self, *args, file: Path, region: str | None, **options):
        if not file.is_file():
            raise CommandError(f"Файл не найден: {file}")
        try:
            region_obj = region_for_command(region)
            batch = import_file(kind=self.kind, path=file, region=region_obj, user=SYSTEM)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        report_batch(self, batch)
        if batch.status != ImportBatch.Status.APPLIED:
            raise CommandError("Загрузка отклонена.")
        if batch.stats.get("subjects_created"):
            self.stdout.write(f"Новых предметов: {batch.stats['subjects_created']}.")
