from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from core.imports import import_file
from core.management_utils import report_batch
from core.models import ImportBatch
from core.policies import SYSTEM  # the command line is a trusted caller
from schools.selectors import region_for_command

REGISTRY_COUNTS = (
    ("matched_by_identifier", "школ найдено по идентификатору"),
    ("matched_by_digits", "по цифрам логина"),
    ("matched_by_name", "по наименованию"),
    ("municipalities_created", "новых муниципалитетов"),
    ("identifiers_attached", "идентификаторов добавлено"),
    ("contexts_created", "контекст: новых"),
    ("contexts_updated", "изменённых"),
    ("contexts_unchanged", "без изменений"),
    ("identifiers_refused", "не принято значений"),
    ("identifiers_ambiguous", "неоднозначных идентификаторов"),
    ("skipped", "не загружено строк"),
)


def report_registry(command, batch: ImportBatch) -> None:
    """A ФИС ОКО registry file: how its schools were found, what was attached, what was left out and why."""
    registry = batch.stats.get("registry")
    if not isinstance(registry, dict):
        return
    year = f", год {registry['year']} ({registry['year_origin']})" if registry.get("year") else ""
    command.stdout.write(f"{registry.get('layout')}{year}.")
    command.stdout.write(
        "; ".join(f"{label}: {batch.stats.get(key, 0)}" for key, label in REGISTRY_COUNTS) + "."
    )
    for line in registry.get("warnings", []):
        command.stderr.write(f"  {line}")
    ambiguous = registry.get("ambiguous", [])
    if ambiguous:
        command.stderr.write(
            "ВНИМАНИЕ: идентификаторы, которые файл даёт нескольким школам, не присвоены ни одной "
            f"({batch.stats.get('identifiers_ambiguous', len(ambiguous))}):"
        )
        for line in ambiguous:
            command.stderr.write(f"  {line}")
    skipped = registry.get("skipped", [])
    if skipped:
        command.stderr.write(
            f"ВНИМАНИЕ: не загружены ({batch.stats.get('skipped', len(skipped))}): школа не найдена и "
            "муниципалитет не определён:"
        )
        for line in skipped:
            command.stderr.write(f"  {line}")


class Command(BaseCommand):
    help = "Загрузить реестр школ из .xlsx или .csv (все строки проверяются; при ошибке ничего не меняется)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", help="Регион (можно не указывать, пока в базе один регион)")
        parser.add_argument(
            "--year",
            type=int,
            help="Форма ФИС ОКО: год контекстных данных, если его нет ни в заголовке файла, ни в имени файла",
        )

    def handle(self, *args, file: Path, region: str | None, year: int | None = None, **options):
        if not file.is_file():
            raise CommandError(f"Файл не найден: {file}")
        try:
            region_obj = region_for_command(region)
            batch = import_file(
                kind="schools",
                path=file,
                region=region_obj,
                user=SYSTEM,  # the command line: a trusted caller
                options={"year": year} if year else None,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        report_batch(self, batch)
        report_registry(self, batch)
        if batch.status != ImportBatch.Status.APPLIED:
            raise CommandError("Загрузка отклонена.")
