from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from schools.flags import flags_recompute_years
from schools.models import Region


class Command(BaseCommand):
    help = "Пересчитать статусы ШНОР: за год перечня (--year) или за все годы, которые позволяют результаты (--all)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--year", type=int, action="append", help="Год перечня (можно несколько раз)")
        group.add_argument("--all", action="store_true", help="Все годы перечня")
        parser.add_argument("--region", help="Только этот регион (по умолчанию — все)")

    def handle(self, *args, year: list[int] | None, all: bool, region: str | None, **options):  # noqa: A002
        region_id = None
        if region:
            region_obj = Region.objects.filter(name__iexact=region.strip()).first()
            if region_obj is None:
                raise CommandError(f"Регион «{region}» не найден.")
            region_id = region_obj.pk
        try:
            summaries = flags_recompute_years(years=None if all else year, region_id=region_id)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if not summaries:
            self.stdout.write("Результатов нет — пересчитывать нечего.")
        for summary in summaries:
            self.stdout.write(summary.text())
