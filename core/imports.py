"""Imports of tabular files: one flow for every kind of data.

An importer (registered per kind by its app) validates every row and, asked to apply, writes everything in
one transaction or nothing. This module keeps the record of each upload (ImportBatch): the preview step of
the web page, the audit trail, the error list a user downloads.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from .errors import ApplicationError
from .models import ImportBatch
from .tabular import Column, RowError, TableError

# A file with errors on every row would otherwise store millions of messages; the first ones are what a
# user fixes first, and the total is kept in the stats.
MAX_STORED_ERRORS = 5000


@dataclass
class ImportOutcome:
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class Importer(Protocol):
    kind: str
    title: str
    columns: tuple[Column, ...]

    def run(self, *, stream: IO[bytes], name: str, region, user, apply: bool,
            progress: Callable[[int], None] | None = None) -> ImportOutcome:
        """Validate every row; when ``apply`` and no row failed, write. Must not write on errors."""

    def template_rows(self) -> list[list[str]]:
        """Example rows for the downloadable template."""


IMPORTERS: dict[str, Importer] = {}


def register_importer(importer: Importer) -> Importer:
    IMPORTERS[importer.kind] = importer
    return importer


def get_importer(kind: str) -> Importer:
    try:
        return IMPORTERS[kind]
    except KeyError as error:
        raise ApplicationError(f"Неизвестный вид загрузки: {kind}.", code="unknown_import_kind") from error


class _Rollback(Exception):
    """Raised inside the transaction to undo an import that found errors while writing."""


def _run(importer: Importer, batch: ImportBatch, *, user, apply: bool) -> ImportOutcome:
    with batch.file.open("rb") as stream:
        try:
            return importer.run(stream=stream, name=batch.original_name, region=batch.region, user=user,
                                apply=apply)
        except TableError as error:
            return ImportOutcome(errors=[RowError(row=0, column="", message=str(error))])


def _record(batch: ImportBatch, outcome: ImportOutcome, status: str) -> None:
    batch.status = status
    batch.total_rows = outcome.total_rows
    batch.processed_rows = outcome.total_rows
    batch.stats = {**outcome.stats, "errors": len(outcome.errors)}
    batch.errors = [error.as_dict() for error in sorted(outcome.errors)[:MAX_STORED_ERRORS]]
    if status == ImportBatch.Status.APPLIED:
        batch.applied_at = timezone.now()
    batch.save()


def check_upload_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ApplicationError(
            f"Файл слишком большой: {size // (1024 * 1024)} МБ при допустимых {limit // (1024 * 1024)} МБ.",
            code="file_too_large",
        )


def import_batch_create(*, kind: str, file: IO[bytes], name: str, region, user, source: str = "web") -> ImportBatch:
    """Store the file and validate it without writing: the preview of what an import would change."""
    importer = get_importer(kind)
    safe_name = Path(name).name[:255] or "import"
    batch = ImportBatch(kind=kind, status=ImportBatch.Status.PROCESSING, region=region,
                        uploaded_by=user if getattr(user, "pk", None) else None, source=source,
                        original_name=safe_name)
    batch.file.save(safe_name, File(file), save=False)
    batch.save()
    outcome = _run(importer, batch, user=user, apply=False)
    _record(batch, outcome, ImportBatch.Status.VALIDATED if outcome.ok else ImportBatch.Status.INVALID)
    return batch


def import_batch_apply(*, batch: ImportBatch, user) -> ImportBatch:
    """Validate again (the data may have changed since the preview) and write all rows, or none."""
    if batch.status != ImportBatch.Status.VALIDATED:
        raise ApplicationError("Эту загрузку нельзя применить: она уже загружена или содержит ошибки.",
                               code="import_not_applicable")
    importer = get_importer(batch.kind)
    outcome = ImportOutcome()
    try:
        with transaction.atomic():
            outcome = _run(importer, batch, user=user, apply=True)
            if not outcome.ok:
                raise _Rollback
    except _Rollback:
        _record(batch, outcome, ImportBatch.Status.INVALID)
        return batch
    except Exception:
        # Nothing was written (the transaction rolled back); say so on the record and let the error surface.
        failure = RowError(row=0, column="", message="Сбой при записи данных: ничего не загружено. "
                                                     "Повторите попытку или обратитесь к администратору.")
        _record(batch, ImportOutcome(total_rows=outcome.total_rows, errors=[failure]), ImportBatch.Status.FAILED)
        raise
    _record(batch, outcome, ImportBatch.Status.APPLIED)
    return batch


def import_file(*, kind: str, path: Path, region, user=None, source: str = "command") -> ImportBatch:
    """Validate and apply a file in one step (management commands)."""
    with open(path, "rb") as stream:
        batch = import_batch_create(kind=kind, file=stream, name=path.name, region=region, user=user,
                                    source=source)
    if batch.status == ImportBatch.Status.VALIDATED:
        batch = import_batch_apply(batch=batch, user=user)
    return batch
