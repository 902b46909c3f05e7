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
        "Загрузить результаты оценочных процедур из .xlsx, .xls или .csv: шаблон портала, отчёт ФИС ОКО "
        "«Статистика по отметкам» и другие распознаваемые виды; каждый лист книги распознаётся отдельно, и "
        "команда перечисляет все листы — что прочитано и как, что пропущено и почему (все строки "
        "проверяются; при ошибке ничего не меняется)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", help="Регион (можно не указывать, пока в базе один регион)")
        parser.add_argument("--year", type=int, help="Год — для отчёта ФИС ОКО, в шапке которого его нет")
        parser.add_argument("--grade", type=int, help="Класс — для отчёта ФИС ОКО, в шапке которого его нет")
        parser.add_argument("--subject", help="Предмет — для отчёта ФИС ОКО, в шапке которого его нет")
        parser.add_argument(
            "--exam",
            choices=("ОГЭ", "ЕГЭ"),
            help="ОГЭ или ЕГЭ — для выгрузки РЦОИ (иначе по кодам предметов и баллам)",
        )

    def handle(
        self,
        *args,
        file: Path,
        region: str | None,
        year: int | None,
        grade: int | None,
        subject: str | None,
        exam: str | None = None,
        **options,
    ):
        if not file.is_file():
            raise CommandError(f"Файл не найден: {file}")
        asked = {"year": year, "grade": grade, "subject": (subject or "").strip(), "exam": exam}
        try:
            region_obj = region_for_command(region)
            batch = import_file(
                kind="results",
                path=file,
                region=region_obj,
                user=SYSTEM,  # the command line: a trusted caller
                options={key: value for key, value in asked.items() if value},
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        report_batch(self, batch)
        if batch.status != ImportBatch.Status.APPLIED:
            raise CommandError("Загрузка отклонена.")
        stats = batch.stats
        if stats.get("procedures_created") or stats.get("subjects_created"):
            self.stdout.write(
                f"Новых оценочных процедур: {stats.get('procedures_created', 0)}, "
                f"новых предметов: {stats.get('subjects_created', 0)}."
            )
        if stats.get("created") or stats.get("updated"):
            self.stdout.write("Пересчёт признаков ШНОР поставлен в очередь.")
