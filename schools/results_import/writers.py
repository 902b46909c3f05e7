"""Writing the validated rows: COPY and set-based upserts on PostgreSQL, ``bulk_create`` elsewhere; both count
what is created, updated and unchanged, which is all a preview does.
"""

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from core.errors import ApplicationError

from ..models import Procedure, Result, School
from .catalog import Catalog

STAGE = "results_import_stage"

# (school id, procedure index, participants, failed, «3», «4», «5», mean score as text or None)
StagedRow = tuple[int, int, int, int, int | None, int | None, int | None, str | None]
VALUE_FIELDS = ("participants", "failed", "marks_3", "marks_4", "marks_5", "mean_score")


class Writer:
    def __init__(self, catalog: Catalog, *, apply: bool, batch_id: int | None):
        self.catalog = catalog
        self.apply = apply
        self.batch_id = batch_id
        self.buffer: list[StagedRow] = []  # filled by the validator, emptied (in place) by flush()
        self.rows = 0

    def flush(self) -> None:
        raise NotImplementedError

    def finish(self) -> dict[str, int]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the writer holds (the staging table)."""


_RESULTS = Result._meta.db_table
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
# A preview: what the upsert would insert (no such result) and update (a different one).
_PREVIEW_SQL = (
    f"SELECT count(*) FILTER (WHERE r.id IS NULL),"  # noqa: S608
    f" count(*) FILTER (WHERE r.id IS NOT NULL AND ({_OLD}) IS DISTINCT FROM ({_STAGED}))"
    f" FROM {STAGE} s LEFT JOIN {_RESULTS} r ON r.school_id = s.school_id AND r.procedure_id = s.procedure_id"
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
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGE} (school_id integer NOT NULL, procedure_id integer, "
                "participants integer NOT NULL, failed integer NOT NULL, marks_3 integer, marks_4 integer, "
                "marks_5 integer, mean_score numeric(6, 2))"
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
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {STAGE} (school_id, procedure_id, participants, failed, marks_3, marks_4, marks_5, "
                "mean_score) FROM STDIN"
            ) as copy,
        ):
            write_row = copy.write_row
            for school, procedure, *values in self.buffer:
                write_row((school, ids[procedure], *values))
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
            with connection.cursor() as cursor:
                # A temporary table has no statistics; the preview's join needs them.
                cursor.execute(f"ANALYZE {STAGE}")
                cursor.execute(_PREVIEW_SQL)
                created, updated = cursor.fetchone()
        return {
            "created": created,
            "updated": updated,
            "unchanged": self.rows - created - updated,
            **self.catalog.new_counts(),
        }

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
            (school, ids[procedure], (participants, failed, m3, m4, m5, Decimal(mean) if mean else None))
            for school, procedure, participants, failed, m3, m4, m5, mean in self.buffer
        ]
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
        for school, procedure, values in rows:
            old = existing.get((school, procedure)) if procedure is not None else None
            if old is None:
                self.counts["created"] += 1
            elif old == values:
                self.counts["unchanged"] += 1
                continue
            else:
                self.counts["updated"] += 1
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
        return {**self.counts, **self.catalog.new_counts()}
