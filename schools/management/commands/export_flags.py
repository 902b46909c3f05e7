from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schools.flags import flags_export_csv
from schools.models import Region


class Command(BaseCommand):
    help = "Выгрузить статусы ШНОР за год перечня в CSV (UTF-8): school_code,list_year,status,criteria,low_procedures."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Год перечня")
        parser.add_argument("--output", type=Path, required=True, help="Файл .csv")
        parser.add_argument("--region", help="Только этот регион (по умолчанию — все)")

    def handle(self, *args, year: int, output: Path, region: str | None, **options):
        region_ids = None
        if region:
            region_obj = Region.objects.filter(name__iexact=region.strip()).first()
            if region_obj is None:
                raise CommandError(f"Регион «{region}» не найден.")
            region_ids = [region_obj.pk]
        text = flags_export_csv(list_year=year, region_ids=region_ids)
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"Записано строк: {text.count(chr(10)) - 1} → {output}")
