"""Imports of tabular files: one flow for every kind of data.

An importer (registered per kind by its app) validates every row and, asked to apply, writes everything in
one transaction or nothing. This module keeps the record of each upload (ImportBatch): the preview step of
the web page, the audit trail, the error list a user downloads.

Small files are validated and applied within the request. A file larger than IMPORT_ASYNC_THRESHOLD_BYTES is
validated and applied by Celery tasks (core.tasks) queued after the batch is committed; meanwhile the batch is
``processing`` and its ``processed_rows`` grows as the validation pass reports progress.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .changes import ChangeLog
from .errors import ApplicationError
from .models import ImportBatch
from .policies import is_person, policy_for
from .principals import Actor
from .roles import STAFF_WRITE_ROLES
from .tabular import Column, RowError, SheetReport, TableError

logger = logging.getLogger(__name__)

# A file with errors on every row would otherwise store millions of messages; the first ones are what a
# user fixes first, and the total is kept in the stats.
MAX_STORED_ERRORS = 5000
# Above this size a web upload is validated and applied by a Celery task: a request should answer within
# seconds, and ~2 MB is ~30,000 result rows, about a second of work.
DEFAULT_ASYNC_THRESHOLD_BYTES = 2 * 1024 * 1024

# Keys of ImportBatch.stats that describe the flow, not the outcome (kept when the outcome is recorded).
_OPTIONS = "options"  # the values asked on upload (e.g. a report's year), passed to the importer
_QUEUED = "queued"  # "validate" | "apply": which task a processing batch waits for
_QUEUED_BY = "queued_by"  # who confirmed a queued apply: the write scope is checked for them
_UNSENT = "unsent"  # the task could not be sent (the broker was down): the sweep sends it (requeue_waiting)
# Key of ImportBatch.stats: the file could not be read at all, so its number of rows is unknown (not 0).
UNREAD = "unread"
# Key of ImportBatch.stats: what the import changes record by record (core.changes.ChangeLog.summary()), with
# «stored» when every new and changed record is in a stored CSV file (changes_file_name), and «preview» when an
# apply kept the list its preview made.
CHANGES = "changes"
# Keys of ImportBatch.stats that count writes: a batch whose every such count is 0 changes nothing and cannot
# be confirmed. An importer that writes something else counts it under a key ending in one of these.
_WRITES = ("created", "updated")
NOTHING_TO_CHANGE = (
    "Файл ничего не изменит: все его записи уже есть в портале с теми же значениями. Подтверждать нечего."
)
# Key of ImportBatch.stats: the file's sheets, read or not, and how each was read (SheetReport.as_dict()).
SHEETS = "sheets"
# Key of ImportBatch.stats: names of schools the file gives that matched none or several, each once, with the
# candidates to pick from in the preview (ImportOutcome.unmatched; schools.results_import.catalog).
UNMATCHED = "unmatched"


@dataclass
class ImportOutcome:
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    error_count: int = 0  # errors found by add_error, including those beyond MAX_STORED_ERRORS
    # What the import changes record by record (core.changes); kept on the batch by _record.
    changes: ChangeLog | None = None
    # Every sheet of the file, read or not, with how it was read (core.tabular.SheetReport); kept on the batch.
    sheets: list[SheetReport] = field(default_factory=list)
    # Names of schools matched to none or several ({name, municipality, candidates: [{id, text, code}], rows}).
    unmatched: list[dict] = field(default_factory=list)
    # The sheet being read: an error added without a sheet is on it (set by an importer that reads sheets).
    sheet: str = ""
    sheet_index: int = 0

    def add_error(self, error: RowError) -> None:
        """Count an error; keep its description while under MAX_STORED_ERRORS (memory stays bounded)."""
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            if self.sheet and not error.sheet:
                error = replace(error, sheet=self.sheet, sheet_index=self.sheet_index)
            self.errors.append(error)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.error_count

    @property
    def errors_total(self) -> int:
        return max(self.error_count, len(self.errors))


@dataclass(frozen=True)
class ImportOption:
    """A value asked on upload (a form field, a command option) and passed to the importer as ``options``."""

    name: str
    label: str
    type: type = str  # int or str
    min_value: int | None = None
    max_value: int | None = None


class Importer(Protocol):
    kind: str
    title: str
    columns: tuple[Column, ...]
    # Optional: ``options: tuple[ImportOption, ...]`` asked on upload, ``notes: tuple[str, ...]`` shown on the
    # upload page; ``run`` receives the batch and the values given for the options.

    def run(
        self,
        *,
        stream: IO[bytes],
        name: str,
        region,
        user: Actor | None,
        apply: bool,
        progress: Callable[[int], None] | None = None,
        batch: "ImportBatch | None" = None,
        options: dict | None = None,
    ) -> ImportOutcome:
        """Validate every row; when ``apply`` and no row failed, write. Must not write on errors."""

    def template_rows(self) -> list[list[str]]:
        """Example rows for the downloadable template."""


IMPORTERS: dict[str, Importer] = {}


def importer_write_roles(importer: Importer) -> frozenset[str]:
    """Roles that may upload this kind (``write_roles`` on the importer; the staff's by default)."""
    return getattr(importer, "write_roles", STAFF_WRITE_ROLES)


def register_importer(importer: Importer) -> Importer:
    IMPORTERS[importer.kind] = importer
    return importer


def importers_for(user: Actor | None) -> list[Importer]:
    """The kinds of data ``user`` may upload: the registry and results for staff, teachers for schools too."""
    policy = policy_for(ImportBatch)
    return [i for i in IMPORTERS.values() if policy.can_upload(user, importer_write_roles(i))]


# The regions a user may import into: the organisation registry (schools) sits above core and fills this in its
# AppConfig.ready() with a function (user, roles) -> a queryset of regions.
_REGIONS_SOURCE: list[Callable] = []


def register_regions_source(source: Callable) -> None:
    _REGIONS_SOURCE[:] = [source]


def batches_listed(user: Actor | None, *, status: str = ""):
    """The uploads the «Загрузки» page lists: those the user sees (ImportBatchPolicy), narrowed by ``?status=``
    (the home page counts ``validated`` — checked, waiting for «Подтвердить»)."""
    batches = ImportBatch.objects.visible_to(user)
    if status in ImportBatch.Status.values:
        batches = batches.filter(status=status)
    return batches


# Who is told of an import's outcome (applied, failed): notifications (above core) registers its listener.
_OUTCOME_LISTENERS: list[Callable[[ImportBatch], None]] = []


def register_outcome_listener(listener: Callable[[ImportBatch], None]) -> None:
    """Call ``listener(batch)`` when a batch ends applied or failed (once per registration of a function)."""
    if listener not in _OUTCOME_LISTENERS:
        _OUTCOME_LISTENERS.append(listener)


def _tell_outcome(batch: ImportBatch) -> None:
    """A listener that fails (a notification) never undoes the import: its work is rolled back alone, logged."""
    for listener in _OUTCOME_LISTENERS:
        try:
            with transaction.atomic():
                listener(batch)
        except Exception:
            logger.exception("Загрузка %s: уведомление об итоге не создано", batch.pk)


def regions_writable_by(user: Actor | None, roles: frozenset[str]):
    """Regions in which ``user`` may import data through ``roles`` (the registered source's answer)."""
    return _REGIONS_SOURCE[0](user, roles)


def get_importer(kind: str) -> Importer:
    try:
        return IMPORTERS[kind]
    except KeyError as error:
        raise ApplicationError(f"Неизвестный вид загрузки: {kind}.", code="unknown_import_kind") from error


def async_threshold_bytes() -> int:
    return getattr(settings, "IMPORT_ASYNC_THRESHOLD_BYTES", DEFAULT_ASYNC_THRESHOLD_BYTES)


def batch_options(batch: ImportBatch) -> dict:
    return dict(batch.stats.get(_OPTIONS) or {})


def batch_queued_for(batch: ImportBatch) -> str | None:
    """For a processing batch: "validate" or "apply", the task it waits for."""
    return batch.stats.get(_QUEUED) if batch.status == ImportBatch.Status.PROCESSING else None


class _Rollback(Exception):
    """Raised inside the transaction to undo an import that found errors while writing."""


def import_actor(user: Actor | None):
    """Whoever an import runs for: a person, an API key's principal, or ``core.policies.SYSTEM`` for a trusted
    caller (a management command). A missing one is a programming error, never the portal's own rights: the
    importers' scopes follow the actor's policies, and only ``SYSTEM`` writes a whole region."""
    if user is None:
        raise ValueError("An import needs its actor: a user, or core.policies.SYSTEM for a trusted caller.")
    return user


def _run(
    importer: Importer,
    batch: ImportBatch,
    *,
    user: Actor | None,
    apply: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    user = import_actor(user)
    with batch.file.open("rb") as handle:
        # The storage's file itself: the FieldFile wrapper checks ``closed`` on every read of a streaming reader.
        stream = getattr(handle, "file", handle)
        try:
            return importer.run(
                stream=stream,
                name=batch.original_name,
                region=batch.region,
                user=user,
                apply=apply,
                progress=progress,
                batch=batch,
                options=batch_options(batch),
            )
        except TableError as error:
            # The rows under a header that failed are counted; a file that could not be read has none to count.
            return ImportOutcome(
                total_rows=error.rows or 0,
                errors=[RowError(row=0, column="", message=str(error))],
                stats={} if error.rows is not None else {UNREAD: 1},
                sheets=error.sheets,
            )


def _record(batch: ImportBatch, outcome: ImportOutcome, status: str) -> None:
    batch.status = status
    batch.total_rows = outcome.total_rows
    batch.processed_rows = outcome.total_rows
    kept = {_OPTIONS: batch.stats[_OPTIONS]} if batch.stats.get(_OPTIONS) else {}
    previous = batch.stats.get(CHANGES)
    batch.stats = {**outcome.stats, "errors": outcome.errors_total, **kept}
    if outcome.sheets:
        batch.stats[SHEETS] = [_storable_report(report.as_dict()) for report in outcome.sheets]
    if outcome.unmatched:
        batch.stats[UNMATCHED] = [_storable_report(entry) for entry in outcome.unmatched]
    _record_changes(batch, outcome, status, previous)
    batch.errors = [_storable(error.as_dict()) for error in sorted(outcome.errors)[:MAX_STORED_ERRORS]]
    if status == ImportBatch.Status.APPLIED:
        batch.applied_at = timezone.now()
    batch.save()
    if status in (ImportBatch.Status.APPLIED, ImportBatch.Status.FAILED):
        _tell_outcome(batch)


def _record_changes(batch: ImportBatch, outcome: ImportOutcome, status: str, previous: dict | None) -> None:
    """Keep what the import changes: the summary in the stats, every listed record in a stored CSV file.

    Only a file without errors has a list. An apply that lists nothing itself (the results' set-based write
    on PostgreSQL) keeps the list its preview made, marked as the preview's."""
    log = outcome.changes
    name = f"imports/changes/{batch.pk}.csv"
    earlier = previous.get("stored") if previous else None  # the preview's file, if it stored one
    if log is None or not outcome.ok:
        if status == ImportBatch.Status.APPLIED and previous:
            batch.stats[CHANGES] = {**previous, "preview": True}
        elif earlier:
            default_storage.delete(earlier if isinstance(earlier, str) else name)
        if log is not None:
            log.close()
        return
    summary = _storable_changes(log.summary())
    spilled = log.spilled()
    if earlier:  # the preview's list, replaced by the apply's
        default_storage.delete(earlier if isinstance(earlier, str) else name)
    if spilled is not None:
        default_storage.delete(name)  # a stale file of a batch with this number in a lost database
        saved = default_storage.save(name, File(spilled, name=name))
        summary["stored"] = True if saved == name else saved  # a storage that renames: the name it chose
    log.close()
    batch.stats[CHANGES] = summary


def changes_file_name(batch: ImportBatch) -> str:
    """Where every new and changed record of a batch is kept (a CSV file in the default storage)."""
    stored = (batch_changes(batch) or {}).get("stored")
    return stored if isinstance(stored, str) else f"imports/changes/{batch.pk}.csv"


def _storable_changes(summary: dict) -> dict:
    """Records quote the file's cells: no NUL in jsonb (see _storable)."""
    for row in summary["rows"]:
        row["entity"] = [_storable_text(value) for value in row["entity"]]
        row["fields"] = [[_storable_text(value) for value in field] for field in row["fields"]]
        row["sheet"] = _storable_text(row["sheet"])
    for sheet in summary["sheets"]:
        sheet["sheet"] = _storable_text(sheet["sheet"])
    return summary


def batch_changes(batch: ImportBatch) -> dict | None:
    """What a batch changes (would change) record by record, as _record stored it; None for older batches."""
    changes = batch.stats.get(CHANGES)
    return changes if isinstance(changes, dict) else None


def changes_nothing(stats: dict) -> bool:
    """A checked file that would write nothing: no count of writes (``_WRITES``) above 0."""
    return not any(value for key, value in stats.items() if isinstance(value, int) and key.endswith(_WRITES))


def _storable(error: dict) -> dict:
    """A message may quote a cell of a broken file; PostgreSQL's jsonb cannot hold U+0000 (NUL) in a string."""
    return {
        key: value.replace("\x00", "\ufffd") if isinstance(value, str) else value
        for key, value in error.items()
    }


def _storable_report(report: dict) -> dict:
    """A sheet's report quotes header cells of the file: no NUL in jsonb (see _storable)."""
    return {
        key: (
            {_storable_text(k): _storable_text(v) for k, v in value.items()}
            if isinstance(value, dict)
            else _storable_text(value)
        )
        for key, value in report.items()
    }


def _storable_text(value):
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def batch_unmatched(batch: ImportBatch) -> list[dict]:
    """The names a batch's file gave that matched no school or several, as _record stored them; [] if none."""
    unmatched = batch.stats.get(UNMATCHED)
    return unmatched if isinstance(unmatched, list) else []


def batch_sheets(batch: ImportBatch) -> list[dict]:
    """The sheets of a batch's file as stored by _record (SheetReport.as_dict); [] for older batches."""
    sheets = batch.stats.get(SHEETS)
    return sheets if isinstance(sheets, list) else []


def _progress(batch: ImportBatch) -> Callable[[int], None]:
    """Report rows processed so far: one cheap UPDATE, seen at once by the page (the validation pass runs in
    autocommit). The apply pass runs in one transaction, where such updates would stay invisible until the end,
    so it reports none; its page says the data are being written."""

    def report(rows: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=rows)

    return report


def check_upload_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ApplicationError(
            f"Файл слишком большой: {size // (1024 * 1024)} МБ при допустимых {limit // (1024 * 1024)} МБ.",
            code="file_too_large",
        )


def import_batch_store(
    *,
    kind: str,
    file: IO[bytes],
    name: str,
    region,
    user: Actor | None,
    source: str = "web",
    options: dict | None = None,
) -> ImportBatch:
    """Store an uploaded file as a batch waiting for validation."""
    get_importer(kind)
    safe_name = Path(name).name[:255] or "import"
    stats: dict[str, object] = {_QUEUED: "validate"}
    if options:
        stats[_OPTIONS] = options
    batch = ImportBatch(
        kind=kind,
        status=ImportBatch.Status.PROCESSING,
        region=region,
        uploaded_by=user if is_person(user) else None,  # an API key's principal and SYSTEM have no account
        source=source,
        original_name=safe_name,
        stats=stats,
    )
    batch.file.save(safe_name, File(file), save=False)
    batch.save()
    return batch


def import_batch_validate(*, batch: ImportBatch, user: Actor | None) -> ImportBatch:
    """Validate a stored file without writing: the preview of what an import would change.

    Idempotent: a batch no longer waiting for validation is returned as it is.
    """
    if batch.status != ImportBatch.Status.PROCESSING or batch.stats.get(_QUEUED) != "validate":
        return batch
    importer = get_importer(batch.kind)
    try:
        outcome = _run(importer, batch, user=user, apply=False, progress=_progress(batch))
    except Exception:
        _record(batch, ImportOutcome(errors=[_failure()]), ImportBatch.Status.FAILED)
        raise
    _record(batch, outcome, ImportBatch.Status.VALIDATED if outcome.ok else ImportBatch.Status.INVALID)
    return batch


def import_batch_recheck(*, batch: ImportBatch, user: Actor | None) -> ImportBatch:
    """Check a previewed file again after what the portal knows has changed (a school picked for a name in the
    preview, #19 §1): now if small, by the validation task after commit if large. Only a preview (checked or
    refused, not applied) is checked again."""
    if batch.status not in (ImportBatch.Status.VALIDATED, ImportBatch.Status.INVALID):
        raise ApplicationError("Проверить заново можно только файл, который ещё не загружен.")
    batch.status = ImportBatch.Status.PROCESSING
    batch.processed_rows = 0
    batch.stats = {**batch.stats, _QUEUED: "validate"}
    batch.save(update_fields=["status", "processed_rows", "stats"])
    if batch.file.size <= async_threshold_bytes():
        return import_batch_validate(batch=batch, user=user)
    from .tasks import import_batch_validate_task

    transaction.on_commit(lambda: _send(import_batch_validate_task, batch.pk))
    return batch


def import_batch_create(
    *,
    kind: str,
    file: IO[bytes],
    name: str,
    region,
    user: Actor | None,
    source: str = "web",
    options: dict | None = None,
) -> ImportBatch:
    """Store the file and validate it without writing: the preview of what an import would change."""
    batch = import_batch_store(
        kind=kind, file=file, name=name, region=region, user=user, source=source, options=options
    )
    return import_batch_validate(batch=batch, user=user)


def import_batch_submit(
    *,
    kind: str,
    file: IO[bytes],
    name: str,
    size: int,
    region,
    user: Actor | None,
    options: dict | None = None,
) -> ImportBatch:
    """A web upload: validated now if small, by a Celery task after commit if large."""
    if size <= async_threshold_bytes():
        return import_batch_create(kind=kind, file=file, name=name, region=region, user=user, options=options)
    from .tasks import import_batch_validate_task

    batch = import_batch_store(kind=kind, file=file, name=name, region=region, user=user, options=options)
    transaction.on_commit(lambda: _send(import_batch_validate_task, batch.pk))
    return batch


def import_batch_validate_queued(*, batch_id: int) -> None:
    """The validation task's body: the uploader's write scope applies (queued batches come from the web)."""
    batch = ImportBatch.objects.select_related("region", "uploaded_by").filter(pk=batch_id).first()
    if batch is not None:
        import_batch_validate(batch=batch, user=batch.uploaded_by)


def import_batch_apply(*, batch: ImportBatch, user: Actor | None) -> ImportBatch:
    """Validate again (the data may have changed since the preview) and write all rows, or none."""
    return _apply(batch=batch, user=user, waiting_for="confirm")


def _apply(*, batch: ImportBatch, user: Actor | None, waiting_for: str) -> ImportBatch:
    """Validate and write in one pass, all rows or none.

    ``waiting_for`` is the state the batch must be in: "confirm" (validated, a user confirms the preview),
    "task" (queued for the apply task) or "direct" (just stored by a command, which skips the preview: one
    read of the file instead of two). The batch row is locked for the whole write and its new status commits
    with the data, so a second apply of the same batch (a double click, a redelivered task) waits, then finds
    it applied.
    """
    importer = get_importer(batch.kind)
    outcome = ImportOutcome()
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().select_related("region").get(pk=batch.pk)
            if not _waiting(batch, waiting_for):
                if waiting_for == "task":
                    return batch  # applied already, or no longer applicable: nothing to do
                raise ApplicationError(
                    "Эту загрузку нельзя применить: она уже загружена или содержит ошибки.",
                    code="import_not_applicable",
                )
            outcome = _run(importer, batch, user=user, apply=True)
            if not outcome.ok:
                raise _Rollback
            _record(batch, outcome, ImportBatch.Status.APPLIED)
    except _Rollback:
        batch.refresh_from_db()
        _record(batch, outcome, ImportBatch.Status.INVALID)
        return batch
    except ApplicationError:
        raise
    except Exception:
        # Nothing was written (the transaction rolled back); say so on the record and let the error surface.
        batch.refresh_from_db()
        _record(
            batch,
            ImportOutcome(total_rows=outcome.total_rows, errors=[_failure()]),
            ImportBatch.Status.FAILED,
        )
        raise
    return batch


def _waiting(batch: ImportBatch, waiting_for: str) -> bool:
    if waiting_for == "confirm":
        return batch.status == ImportBatch.Status.VALIDATED
    queued = {"task": "apply", "direct": "validate"}[waiting_for]
    return batch.status == ImportBatch.Status.PROCESSING and batch.stats.get(_QUEUED) == queued


def import_batch_confirm(*, batch: ImportBatch, user: Actor | None) -> ImportBatch:
    """A web confirmation: applied now if the file is small, by a Celery task after commit if large.

    A file whose preview found nothing to change is not confirmed (a command or import_batch_apply may still
    apply it: it writes nothing)."""
    if batch.status == ImportBatch.Status.VALIDATED and changes_nothing(batch.stats):
        raise ApplicationError(NOTHING_TO_CHANGE, code="import_changes_nothing")
    if batch.file.size <= async_threshold_bytes():
        return import_batch_apply(batch=batch, user=user)
    from .tasks import import_batch_apply_task

    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.VALIDATED:
            raise ApplicationError(
                "Эту загрузку нельзя применить: она уже загружена или содержит ошибки.",
                code="import_not_applicable",
            )
        if changes_nothing(locked.stats):
            raise ApplicationError(NOTHING_TO_CHANGE, code="import_changes_nothing")
        locked.status = ImportBatch.Status.PROCESSING
        locked.stats = {**locked.stats, _QUEUED: "apply", _QUEUED_BY: getattr(user, "pk", None)}
        locked.save(update_fields=["status", "stats", "updated_at"])
        transaction.on_commit(lambda: _send(import_batch_apply_task, locked.pk))
    return locked


def _send(task, batch_id: int) -> bool:
    """Queue a batch's task; when the broker is down, mark the batch for the sweep (the user is told)."""
    from .tasks import enqueue

    if enqueue(task, batch_id):
        return True
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.PROCESSING).first()
    if batch is not None:
        batch.stats = {**batch.stats, _UNSENT: True}
        batch.save(update_fields=["stats", "updated_at"])
    return False


def requeue_waiting(*, older_than_minutes: int | None = None) -> int:
    """Send again the tasks of batches still waiting for them; the number sent. Run by beat (core.tasks).

    A batch waits when its task never reached the queue (marked «unsent»), or when it has waited longer than
    QUEUE_REQUEUE_AFTER_MINUTES (a message lost with the broker's memory) and shows no sign of a running task:
    a validation in progress reports processed rows. A second apply task is harmless: it waits for the batch's
    row lock and finds the batch applied.
    """
    from .tasks import import_batch_apply_task, import_batch_validate_task

    minutes = settings.QUEUE_REQUEUE_AFTER_MINUTES if older_than_minutes is None else older_than_minutes
    stale = Q(updated_at__lt=timezone.now() - timedelta(minutes=minutes))
    waiting = ImportBatch.objects.filter(status=ImportBatch.Status.PROCESSING).filter(
        Q(**{f"stats__{_UNSENT}": True})
        | (stale & Q(**{f"stats__{_QUEUED}": "validate"}) & Q(processed_rows=0))
        | (stale & Q(**{f"stats__{_QUEUED}": "apply"}))
    )
    tasks = {"validate": import_batch_validate_task, "apply": import_batch_apply_task}
    sent = 0
    for batch in waiting.order_by("created_at"):
        task = tasks.get(batch.stats.get(_QUEUED))
        if task is None:
            continue
        if not _send(task, batch.pk):
            break  # still down: the next sweep tries again
        batch.stats = {key: value for key, value in batch.stats.items() if key != _UNSENT}
        ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PROCESSING).update(
            stats=batch.stats, updated_at=timezone.now()
        )
        sent += 1
    return sent


def import_batch_apply_queued(*, batch_id: int) -> None:
    """The apply task's body: the write scope of whoever confirmed applies."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return
    from .models import User

    confirmed_by = User.objects.filter(pk=batch.stats.get(_QUEUED_BY) or 0).first()
    _apply(batch=batch, user=confirmed_by or batch.uploaded_by, waiting_for="task")


def import_batch_abandon(*, batch_id: int, message: str) -> bool:
    """A batch whose task was given up (its worker died twice on it: core.tasks.JobTask): failed, with why.

    Only a batch still «загружается» fails; True if it did. One conditional UPDATE decides, so a batch validated
    or applied meanwhile (by a copy of the task the sweep sent) keeps its outcome. An apply in progress holds the
    batch's row lock: the UPDATE waits for it, then finds the batch applied and changes nothing."""
    error = RowError(row=0, column="", message=f"{message} Ничего не загружено. {_CHECK_THE_FILE}")
    with transaction.atomic():
        failed = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.PROCESSING).update(
            status=ImportBatch.Status.FAILED,
            errors=[_storable(error.as_dict())],
            total_rows=0,
            processed_rows=0,
            updated_at=timezone.now(),
        )
        if not failed:
            return False
        # The row is this transaction's now (the UPDATE locked it): the outcome joins the options asked on upload.
        stats = ImportBatch.objects.values_list("stats", flat=True).get(pk=batch_id)
        kept = {_OPTIONS: stats[_OPTIONS]} if stats.get(_OPTIONS) else {}
        ImportBatch.objects.filter(pk=batch_id).update(stats={UNREAD: 1, "errors": 1, **kept})
        _tell_outcome(ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id))
    return True


_CHECK_THE_FILE = (
    "Проверьте файл (нет ли в нём данных далеко за таблицей или огромных ячеек), сохраните его как CSV "
    "или обратитесь к администратору."
)


def import_file(
    *, kind: str, path: Path, region, user: Actor | None, source: str = "command", options: dict | None = None
) -> ImportBatch:
    """Validate and apply a file in one step (management commands, which pass ``SYSTEM``): a single pass, all
    rows or none."""
    import_actor(user)
    with open(path, "rb") as stream:
        batch = import_batch_store(
            kind=kind, file=stream, name=path.name, region=region, user=user, source=source, options=options
        )
    return _apply(batch=batch, user=user, waiting_for="direct")


def _failure() -> RowError:
    return RowError(
        row=0,
        column="",
        message="Сбой при обработке файла: ничего не загружено. "
        "Повторите попытку или обратитесь к администратору.",
    )
