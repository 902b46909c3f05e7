"""What an import would change, record by record: new, changed (old → new, field by field) and unchanged, per
sheet of the file. Every importer fills a ChangeLog while it compares the file with what the database holds;
core.imports keeps its summary on the batch (the totals and the first ROWS_SHOWN changed records) and its full
list as a stored CSV file, which the preview offers as a download.

Memory stays bounded whatever the file's size: only the first ROWS_SHOWN records are kept in memory, the rest
go straight to a temporary file on disk. No ORM here: the importers hand in plain values.

An importer calls ``new``, ``changed`` and ``unchanged`` for every record of a file without errors; a record
is named by ``entity`` (e.g. the school's code and the procedure) and a sheet (None for a CSV file).
"""

import csv
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import IO, Any

from .exports import FORMULA_STARTS, safe_cell, safe_row

# Changed records shown on the preview page; all of them are in the download.
ROWS_SHOWN = 200
SPILL_LINES = 1_000  # lines of the download gathered in memory before they are written to its file

NEW = "new"
CHANGED = "changed"
UNCHANGED = "unchanged"
STATUS_LABELS = {NEW: "новая", CHANGED: "изменится"}
EMPTY = "—"

SHEET_HEADER = "Лист"
STATUS_HEADER = "Что"


def display(value) -> str:
    """A value as the preview prints it: dates as ДД.ММ.ГГГГ, decimals with a comma, «да»/«нет», «—» for none."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, Decimal):
        # 3.3 and 3.30 are the same mean score: the database's numeric(6, 2) and a file's text print alike.
        return f"{value.quantize(Decimal('0.01')):f}".replace(".", ",")
    return str(value)


class ChangeLog:
    """New, changed and unchanged records of one import, counted per sheet, the changed ones listed.

    ``entities`` are the headers of what names a record (e.g. «Код ОО», «Процедура»), ``fields`` the headers of
    the values compared, in the order the preview and the download print them.
    """

    def __init__(self, *, entities: Sequence[str], fields: Sequence[str], shown: int = ROWS_SHOWN):
        self.entities = tuple(entities)
        self.fields = tuple(fields)
        self.shown = shown
        self.sheets: dict[str | None, dict[str, int]] = {}
        self.rows: list[dict] = []  # the first ``shown`` new and changed records
        self.listed = 0  # new and changed records, all of them (in the spill file)
        self._spill: Any = None  # a text file on disk (tempfile), opened on the first record listed
        self._writer: Any = None  # csv writer of it
        self._lines: list[str] = []  # lines of the spill file not yet written to it (_drain)
        # The «было» and «стало» cells of fields a new record does not give (the tail of its line).
        self._absent: tuple[str, ...] = ("", "") * len(self.fields)

    # --- filling -----------------------------------------------------------------------------------------
    def new(self, entity: Sequence, values: dict[str, object], sheet: str | None = None) -> None:
        """A record the import adds, with the values it gets (labels of ``fields``; empty ones are left out)."""
        fields = [[label, EMPTY, display(values[label])] for label in self.fields if label in values]
        self._list(NEW, entity, [field for field in fields if field[2] != EMPTY], sheet)

    def new_values(self, entity: Sequence, values: Sequence, sheet: str | None = None) -> None:
        """As ``new``, with the values in the order of ``fields`` (the first ``len(values)`` of them; None or ""
        for none): the hot path of a preview where every record of a large file is new. Past the first
        ``shown`` records no field list is built: the record's line of the download is written directly, the
        same line ``new`` writes."""
        if len(self.rows) < self.shown:
            self.new(entity, dict(zip(self.fields, values, strict=False)), sheet)
            return
        self._counts(sheet)[NEW] += 1
        self.listed += 1
        line = [safe_cell(sheet or ""), *map(_entity_cell, entity), STATUS_LABELS[NEW]]
        for value in values:
            # A count prints as its digits (never a formula); anything else as ``new`` prints and guards it.
            if value is None:
                line += ("", "")
            else:
                line += ("", str(value) if value.__class__ is int and value >= 0 else _new_cell(value))
        line += self._absent[2 * len(values) :]
        (self._writer or self._open_spill()).writerow(line)
        if len(self._lines) >= SPILL_LINES:
            self._drain()

    def changed(
        self,
        entity: Sequence,
        changes: dict[str, tuple[object, object]],
        sheet: str | None = None,
        *,
        counted: bool = True,
        instead_of_unchanged: bool = False,
    ) -> None:
        """A record the import updates: {field label: (old, new)} of the fields that differ.

        A second line about a record already listed (more of its values, compared later) is not ``counted``
        again; a record counted unchanged that turns out to change is counted changed ``instead_of_unchanged``."""
        fields = [
            [label, display(changes[label][0]), display(changes[label][1])]
            for label in self.fields
            if label in changes
        ]
        if instead_of_unchanged:
            self._counts(sheet)[UNCHANGED] -= 1
        self._list(CHANGED, entity, fields, sheet, counted=counted)

    def unchanged(self, count: int = 1, sheet: str | None = None) -> None:
        self._counts(sheet)[UNCHANGED] += count

    def arrange(self, sheets: Sequence[str | None]) -> None:
        """Put the sheets counted in the file's order (``sheets``; others after them)."""
        place = {sheet: index for index, sheet in enumerate(sheets)}
        self.sheets = dict(sorted(self.sheets.items(), key=lambda item: place.get(item[0], len(place))))

    def _counts(self, sheet: str | None) -> dict[str, int]:
        counts = self.sheets.get(sheet)
        if counts is None:
            counts = self.sheets[sheet] = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
        return counts

    def _list(
        self, status: str, entity: Sequence, fields: list[list[str]], sheet: str | None, counted: bool = True
    ) -> None:
        self._counts(sheet)[status] += counted
        entity = [display(value) for value in entity]
        self.listed += 1
        if len(self.rows) < self.shown:
            self.rows.append({"sheet": sheet, "status": status, "entity": entity, "fields": fields})
        (self._writer or self._open_spill()).writerow(csv_line(sheet, status, entity, fields, self.fields))
        if len(self._lines) >= SPILL_LINES:
            self._drain()

    def _open_spill(self) -> Any:
        """The download's file on disk, with its header: opened on the first record listed."""
        # utf-8-sig: Excel reads Cyrillic from a CSV only after a BOM; «;» is what it splits on in Russia.
        self._spill = tempfile.TemporaryFile(mode="w+", encoding="utf-8-sig", newline="")  # noqa: SIM115
        # The writer's lines are gathered and written SPILL_LINES at a time: a write to a text file open for
        # reading too resets its decoder every time (~2 µs a line).
        self._writer = csv.writer(
            SimpleNamespace(write=self._lines.append), delimiter=";", lineterminator="\r\n"
        )
        self._writer.writerow(self.header())
        return self._writer

    def _drain(self) -> None:
        self._spill.write("".join(self._lines))
        self._lines.clear()

    # --- reading -----------------------------------------------------------------------------------------
    def totals(self) -> dict[str, int]:
        return {
            status: sum(counts[status] for counts in self.sheets.values())
            for status in (NEW, CHANGED, UNCHANGED)
        }

    def header(self) -> list[str]:
        return csv_header(self.entities, self.fields)

    def summary(self) -> dict:
        """What the batch keeps (JSON): the headers, the counts per sheet and in all, the first records."""
        return {
            "entities": list(self.entities),
            "fields": list(self.fields),
            "sheets": [{"sheet": sheet, **counts} for sheet, counts in self.sheets.items()],
            **self.totals(),
            "rows": self.rows,
            "listed": self.listed,
        }

    def spilled(self) -> IO[bytes] | None:
        """The full list as a CSV file's bytes (opened anew, from its start); None when nothing is listed."""
        if self._spill is None:
            return None
        self._drain()
        self._spill.flush()
        self._spill.seek(0)
        return self._spill.buffer

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = self._writer = None
            self._lines.clear()


def _entity_cell(value) -> str:
    """What names a record, as its line of the download prints it (display, then made safe)."""
    if value.__class__ is str and value:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return safe_cell(display(value))


def _new_cell(value) -> str:
    """A new record's value, as its line of the download prints it: empty for none."""
    shown = display(value)
    return "" if shown == EMPTY else safe_cell(shown)


def csv_header(entities: Iterable[str], fields: Iterable[str]) -> list[str]:
    header = [SHEET_HEADER, *entities, STATUS_HEADER]
    for label in fields:
        header += [f"{label}: было", f"{label}: стало"]
    return header


def csv_line(
    sheet: str | None,
    status: str,
    entity: Sequence[str],
    fields: Sequence[Sequence[str]],
    labels: Sequence[str],
) -> list[str]:
    """One record of the download: the sheet, what names it, new/changed, then «было» and «стало» of each field
    (empty for a field the record does not change). Cells that would start a formula are made text."""
    values = {label: (old, new) for label, old, new in fields}
    line = [sheet or "", *entity, STATUS_LABELS[status]]
    for label in labels:
        old, new = values.get(label, ("", ""))
        line += [old if old != EMPTY or status == CHANGED else "", new]
    return safe_row(line)
