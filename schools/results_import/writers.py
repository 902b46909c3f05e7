"""Writing the validated rows: COPY and set-based upserts on PostgreSQL, ``bulk_create`` elsewhere; both count
what is created, updated and unchanged, and a preview lists the new and changed results with their old and new
values (core.changes), the same on both (#19 §4).
"""

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.text import capfirst

from core.changes import ChangeLog
from core.errors import ApplicationError

from ..models import Procedure, Result, School, VprResultDetail
from .catalog import Catalog
from .vpr_details import FIELDS as VPR_FIELDS

STAGE = "results_import_stage"

# (school id, procedure index, participants, failed, «3», «4», «5», mean score as text or None,
#  high scorers 80–99, hundreds — ЕГЭ, #19 §3.2)
StagedRow = tuple[int, int, int, int, int | None, int | None, int | None, str | None, int | None, int | None]
VALUE_FIELDS = (
    "participants",
    "failed",
    "marks_3",
    "marks_4",
    "marks_5",
    "mean_score",
    "high_scorers",
    "hundred_scorers",
)
_MEAN_PLACE = VALUE_FIELDS.index("mean_score")
# A preview's list of changes: a result is named by its school and procedure; its values are VALUE_FIELDS,
# headed by the model's names of them (a field added to VALUE_FIELDS shows up in the preview by itself).
CHANGE_ENTITIES = ("Код ОО", "Процедура")
VALUE_LABELS = tuple(capfirst(Result._meta.get_field(name).verbose_name) for name in VALUE_FIELDS)
# A ВПР protocol's aggregates of a result (vpr_details.py) are listed after the result's own values.
VPR_LABELS = tuple(f"ВПР: {VprResultDetail._meta.get_field(name).verbose_name}" for name in VPR_FIELDS)
CHANGE_FIELDS = (*VALUE_LABELS, *VPR_LABELS)
# Rows fetched at a time from the preview's query of changed results (memory stays bounded).
FETCH_ROWS = 5_000


class Writer:
    def __init__(self, catalog: Catalog, *, apply: bool, batch_id: int | None):
        self.catalog = catalog
        self.apply = apply
        self.batch_id = batch_id
        self.buffer: list[StagedRow] = []  # filled by the validator, emptied (in place) by flush()
        self.rows = 0
        # The sheet the buffered rows come from (None: a CSV file), the file's sheets in order and how many rows
        # each staged; a preview lists what would change per sheet.
        self.sheet: str | None = None
        self.sheets: list[str | None] = [None]
        self.staged: list[int] = [0]
        self.changes = None if apply else ChangeLog(entities=CHANGE_ENTITIES, fields=CHANGE_FIELDS)
        # A preview's results listed as new and as changed, by the importer's key (procedure index << 32 | school
        # id), and the sheet of each result with ВПР aggregates: the aggregates' changes are listed after them.
        self.listed_new: set[int] = set()
        self.listed_changed: set[int] = set()
        self.sheet_of: dict[int, int] = {}

    def set_sheet(self, sheet: str | None) -> None:
        """The rows buffered from now on come from ``sheet``: what is buffered is flushed first."""
        if sheet == self.sheet:
            return
        self.flush()
        self.sheet = sheet
        if sheet not in self.sheets:
            self.sheets.append(sheet)
            self.staged.append(0)

    @property
    def sheet_index(self) -> int:
        return self.sheets.index(self.sheet)

    def _entity(self, school: int, procedure_index: int) -> tuple[str, str]:
        return (self.catalog.school_code(school), self.catalog.titles[procedure_index])

    def _log(self, sheet_index: int, school: int, procedure_index: int, old, new) -> None:
        """One new (``old`` None) or changed result in the preview's list of changes."""
        sheet = self.sheets[sheet_index]
        key = (procedure_index << 32) | school
        if old is None:
            self.listed_new.add(key)
            # VALUE_LABELS are the first of the log's fields, in this order: the values go as they are.
            self.changes.new_values(self._entity(school, procedure_index), new, sheet)
            return
        self.listed_changed.add(key)
        self.changes.changed(
            self._entity(school, procedure_index),
            {
                label: (before, after)
                for label, before, after in zip(VALUE_LABELS, old, new, strict=True)
                if before != after
            },
            sheet,
        )

    def list_vpr_changes(self, wanted: dict[int, dict]) -> None:
        """In a preview, after finish(): the ВПР aggregates (``wanted``: the importer's key -> the aggregates) that
        change for results that exist — one query. A new result's are new with it and not listed again; a result
        unchanged in itself whose aggregates change counts as changed; a changed one gets a second line."""
        if self.changes is None or not wanted:
            return
        ids = self.catalog.procedure_ids
        keys = {
            (key & 0xFFFFFFFF, ids[key >> 32]): key
            for key in wanted
            if key not in self.listed_new and ids[key >> 32] is not None
        }
        if not keys:
            return
        existing = {
            (school, procedure): values
            for school, procedure, *values in VprResultDetail.objects.filter(
                result__school_id__in={school for school, _procedure in keys},
                result__procedure_id__in={procedure for _school, procedure in keys},
            ).values_list("result__school_id", "result__procedure_id", *VPR_FIELDS)
        }
        for pair, key in sorted(keys.items(), key=lambda item: item[1]):
            old = existing.get(pair)
            details = wanted[key]
            differences = {
                label: (old[place] if old is not None else None, details[name])
                for place, (label, name) in enumerate(zip(VPR_LABELS, VPR_FIELDS, strict=True))
                if old is None or old[place] != details[name]
            }
            if not differences:
                continue
            sheet = self.sheets[self.sheet_of.get(key, 0)]
            entity = self._entity(key & 0xFFFFFFFF, key >> 32)
            if key in self.listed_changed:
                self.changes.changed(entity, differences, sheet, counted=False)
            else:
                self.changes.changed(entity, differences, sheet, instead_of_unchanged=True)

    def flush(self) -> None:
        raise NotImplementedError

    def finish(self) -> dict[str, int]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the writer holds (the staging table)."""


_RESULTS = Result._meta.db_table
# The stage's value columns: counts, but for the mean score (numeric(6, 2), as Result.mean_score).
_STAGE_TYPES = {"mean_score": "numeric(6, 2)"}
_STAGE_COLUMNS = ", ".join(f"{field} {_STAGE_TYPES.get(field, 'integer')}" for field in VALUE_FIELDS)
_OLD = ", ".join(f"r.{field}" for field in VALUE_FIELDS)
_STAGED = ", ".join(f"s.{field}" for field in VALUE_FIELDS)
# One statement writes every staged row. ON CONFLICT … WHERE leaves identical rows untouched (no new row
# version, not returned), and ``xmax = 0`` holds only for a row this statement inserted, not for one it
# updated: the counts come out of the same statement. Identifiers are this module's constants.
_UPSERT_SQL = (
    f"WITH written AS ("  # noqa: S608
    f" INSERT INTO {_RESULTS} AS r (created_at, updated_at, school_id, procedure_id, {', '.join(VALUE_FIELDS)},"
    f" import_batch_id)"
    f" SELECT %s, %s, s.school_id, s.procedure_id, {_STAGED}, %s FROM {STAGE} s"
    f" ON CONFLICT (school_id, procedure_id) DO UPDATE SET"
    f" {', '.join(f'{field} = EXCLUDED.{field}' for field in VALUE_FIELDS)},"
    f" updated_at = EXCLUDED.updated_at, import_batch_id = EXCLUDED.import_batch_id"
    f" WHERE ({_OLD}) IS DISTINCT FROM ({', '.join(f'EXCLUDED.{field}' for field in VALUE_FIELDS)})"
    f" RETURNING (r.xmax = 0) AS inserted)"
    f" SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written"
)
# A preview: what the upsert would insert (no such result: no old values) and update (a different one), with
# the old and the new values, in the file's order; the staged rows not returned are unchanged.
_PREVIEW_SQL = (
    f"SELECT s.sheet, s.school_id, s.idx, r.id IS NULL, {_OLD}, {_STAGED}"  # noqa: S608
    f" FROM {STAGE} s LEFT JOIN {_RESULTS} r ON r.school_id = s.school_id AND r.procedure_id = s.procedure_id"
    f" WHERE r.id IS NULL OR ({_OLD}) IS DISTINCT FROM ({_STAGED})"
    f" ORDER BY s.ord"
)


_SCHOOLS = School._meta.db_table
_PROCEDURES = Procedure._meta.db_table
# Results carry no database-level foreign keys (their per-row checks at commit cost a million-row import
# ~5 s). The import keeps the same guarantee in two statements instead: it locks every school and procedure
# it refers to against deletion (FOR KEY SHARE — what a foreign-key check takes per row) and checks that all
# of them still exist. Identifiers are this module's constants.
_LOCK_SQL = (
    f"SELECT (SELECT count(*) FROM (SELECT s.id FROM {_SCHOOLS} s"  # noqa: S608
    f" WHERE s.id IN (SELECT school_id FROM {STAGE}) FOR KEY SHARE) locked),"
    f" (SELECT count(DISTINCT school_id) FROM {STAGE}),"
    f" (SELECT count(*) FROM (SELECT p.id FROM {_PROCEDURES} p"
    f" WHERE p.id IN (SELECT procedure_id FROM {STAGE}) FOR KEY SHARE) locked),"
    f" (SELECT count(DISTINCT procedure_id) FROM {STAGE})"
)


def lock_referenced(cursor) -> None:
    cursor.execute(_LOCK_SQL)
    schools, wanted_schools, procedures, wanted_procedures = cursor.fetchone()
    if schools != wanted_schools or procedures != wanted_procedures:
        raise ApplicationError(
            "Во время загрузки удалены школы или процедуры, на которые ссылается файл: ничего не загружено. "
            "Повторите загрузку.",
            code="references_deleted",
        )


class CopyWriter(Writer):
    """PostgreSQL: COPY chunks into a temporary staging table and write them with set-based statements.

    An import (``apply``) writes chunk by chunk, and in parallel with the validation of the next one: a helper
    thread runs the chunk's upsert on the same connection and transaction (psycopg serialises the connection's
    use, and releases the GIL while the server works), so PostgreSQL's index work and Python's parsing share the
    two cores instead of taking turns. The main thread waits for the helper before it touches the connection's
    staging table again. A file with an error further down is undone by the transaction, as before. A preview
    keeps every chunk in the stage and counts the would-be changes with one query at the end.

    The staging table lives in the session, not in a transaction: a preview runs in autocommit so that its
    progress updates are seen by the page while it runs. It is dropped at the end, and replaced if a crashed
    run on the same connection left one.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            # idx (the file's procedure index), sheet (index in self.sheets) and ord (the row's place in the
            # file) are a preview's: it names and orders the changed results.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGE} (school_id integer NOT NULL, procedure_id integer, "
                f"{_STAGE_COLUMNS}, idx integer, sheet smallint, ord integer)"
            )
        self.now = timezone.now()
        self.written = {"created": 0, "updated": 0}
        self.pending: Future | None = None
        self.helper = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="results-upsert") if self.apply else None
        )

    def flush(self) -> None:
        if not self.buffer:
            return
        self._wait()  # the connection and the (emptied) stage are the main thread's again
        ids = self.catalog.resolve(create=self.apply)
        preview = "" if self.apply else ", idx, sheet, ord"
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {STAGE} (school_id, procedure_id, {', '.join(VALUE_FIELDS)}{preview}) FROM STDIN"
            ) as copy,
        ):
            write_row = copy.write_row
            if self.apply:
                for school, procedure, *values in self.buffer:
                    write_row((school, ids[procedure], *values))
            else:
                sheet = self.sheet_index
                for place, (school, procedure, *values) in enumerate(self.buffer, start=self.rows):
                    write_row((school, ids[procedure], *values, procedure, sheet, place))
        self.staged[self.sheet_index] += len(self.buffer)
        self.rows += len(self.buffer)
        self.buffer.clear()
        if self.apply:
            self.pending = self.helper.submit(self._write_stage, connection.connection)

    def _write_stage(self, raw) -> tuple[int, int]:
        """In the helper thread: lock what the chunk refers to, upsert it, empty the stage."""
        with raw.cursor() as cursor:
            lock_referenced(cursor)
            cursor.execute(_UPSERT_SQL, [self.now, self.now, self.batch_id])
            created, updated = cursor.fetchone()
            cursor.execute(f"TRUNCATE {STAGE}")
        return created, updated

    def _wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            created, updated = pending.result()  # the helper's error is raised here, in the transaction
            self.written["created"] += created
            self.written["updated"] += updated

    def finish(self) -> dict[str, int]:
        self.flush()
        if self.apply:
            self._wait()
            created, updated = self.written["created"], self.written["updated"]
        else:
            created, updated = self._preview()
        return {
            "created": created,
            "updated": updated,
            "unchanged": self.rows - created - updated,
            **self.catalog.new_counts(),
        }

    def _preview(self) -> tuple[int, int]:
        """One query: the new and changed results with their old and new values, read a slice at a time
        (a server-side cursor) into the list of changes; what it does not return is unchanged."""
        width = len(VALUE_FIELDS)
        new = [0] * len(self.sheets)
        changed = [0] * len(self.sheets)
        with connection.cursor() as cursor:
            # A temporary table has no statistics; the preview's join needs them.
            cursor.execute(f"ANALYZE {STAGE}")
        with connection.chunked_cursor() as cursor:
            cursor.execute(_PREVIEW_SQL)
            while rows := cursor.fetchmany(FETCH_ROWS):
                for sheet, school, index, is_new, *values in rows:
                    old, staged = values[:width], values[width:]
                    self._log(sheet, school, index, None if is_new else old, staged)
                    if is_new:
                        new[sheet] += 1
                    else:
                        changed[sheet] += 1
        for sheet, staged in enumerate(self.staged):
            if staged:
                self.changes.unchanged(staged - new[sheet] - changed[sheet], self.sheets[sheet])
        self.changes.arrange(self.sheets)
        return sum(new), sum(changed)

    def close(self) -> None:
        if self.helper is not None:
            pending, self.pending = self.pending, None
            if pending is not None:
                with contextlib.suppress(Exception):  # already failing: the first error is the one raised
                    pending.result()
            self.helper.shutdown(wait=True)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")


class PortableWriter(Writer):
    """Any database (SQLite for the demo): per chunk, read the results it touches, compare, upsert what changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}

    def flush(self) -> None:
        if not self.buffer:
            return
        ids = self.catalog.resolve(create=self.apply)
        rows = [
            (school, ids[procedure], _with_decimal_mean(values)) for school, procedure, *values in self.buffer
        ]
        indexes = [row[1] for row in self.buffer]  # the file's procedure index: a change names its procedure
        self.buffer.clear()
        known = {procedure for _school, procedure, _values in rows if procedure is not None}
        existing = {}
        if known:
            existing = {
                (school, procedure): tuple(values)
                for school, procedure, *values in Result.objects.filter(
                    procedure_id__in=known, school_id__in={school for school, _p, _v in rows}
                ).values_list("school_id", "procedure_id", *VALUE_FIELDS)
            }
        changed = []
        sheet = self.sheet_index
        for (school, procedure, values), index in zip(rows, indexes, strict=True):
            old = existing.get((school, procedure)) if procedure is not None else None
            if old is None:
                self.counts["created"] += 1
            elif old == values:
                self.counts["unchanged"] += 1
                if self.changes is not None:
                    self.changes.unchanged(1, self.sheet)
                continue
            else:
                self.counts["updated"] += 1
            if self.changes is not None:
                self._log(sheet, school, index, old, values)
            changed.append((school, procedure, values))
        if self.apply and changed:
            Result.objects.bulk_create(
                [
                    Result(
                        school_id=school,
                        procedure_id=procedure,
                        import_batch_id=self.batch_id,
                        **dict(zip(VALUE_FIELDS, values, strict=True)),
                    )
                    for school, procedure, values in changed
                ],
                update_conflicts=True,
                unique_fields=["school", "procedure"],
                update_fields=[*VALUE_FIELDS, "import_batch", "updated_at"],
            )

    def finish(self) -> dict[str, int]:
        self.flush()
        if self.changes is not None:
            self.changes.arrange(self.sheets)
        return {**self.counts, **self.catalog.new_counts()}


def _with_decimal_mean(values: list) -> tuple:
    """A staged row's values as the model holds them: the mean score (text) as a Decimal."""
    mean = values[_MEAN_PLACE]
    values[_MEAN_PLACE] = Decimal(mean) if mean else None
    return tuple(values)
