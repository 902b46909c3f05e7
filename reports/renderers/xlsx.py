"""The справка's data as an Excel workbook (openpyxl in write-only mode: memory stays flat).

The first sheet «Сводка» says what the workbook is; then every table of every section gets a sheet of
its own (including the raw-data tables that are too long for the PDF), with a bold header row, the
panes frozen below it, an autofilter over the data and typed cells (numbers are numbers, percentages
are fractions formatted «0.0%», dates are dates).

A text that starts with «=», «+», «-», «@», a tab or a carriage return is written as a plain string
cell (``t="inlineStr"``, never a formula) with the «quote prefix» flag, so a school's name like
``=HYPERLINK(...)`` cannot run as a formula in Excel or LibreOffice, even after the cell is edited.
"""

import datetime
import io
import re
from decimal import Decimal
from typing import BinaryIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as _ILLEGAL
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.context import Kind, ReportContext, Section, Table

SUMMARY_SHEET = "Сводка"
MAX_SHEET_NAME = 31
_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FORMAT_DECIMAL = "0.00"
FORMAT_PERCENT = "0.0%"
FORMAT_DATE = "DD.MM.YYYY"
FORMAT_DATETIME = "DD.MM.YYYY HH:MM"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EDEDED")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_FONT = Font(bold=True, size=14)
_LABEL_FONT = Font(bold=True)


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet name: forbidden characters removed, ≤ 31 characters, « (2)» etc. on a clash
    (Excel compares sheet names case-insensitively; ``taken`` holds the casefolded names)."""
    base = _FORBIDDEN_IN_SHEET_NAME.sub("", _ILLEGAL.sub("", wanted))
    base = " ".join(base.split()).strip("'").strip() or "Таблица"
    base = base[:MAX_SHEET_NAME].rstrip().rstrip("'")
    name = base
    counter = 1
    while name.casefold() in taken or name.casefold() == "history":
        counter += 1
        suffix = f" ({counter})"
        name = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
    taken.add(name.casefold())
    return name


def _naive(moment: datetime.datetime) -> datetime.datetime:
    """Excel has no time zones: an aware moment is shown in the project's zone."""
    if timezone.is_aware(moment):
        return timezone.make_naive(timezone.localtime(moment))
    return moment


class _Cells:
    """Makes the typed cells of one write-only sheet. The styles are registered once and copied into
    each cell (``style_array``), which is what keeps 200,000-row sheets reasonably fast."""

    def __init__(self, ws):
        self.ws = ws
        self.styles = {}
        for key, number_format in (
            ("decimal", FORMAT_DECIMAL),
            ("percent", FORMAT_PERCENT),
            ("date", FORMAT_DATE),
            ("datetime", FORMAT_DATETIME),
        ):
            prototype = WriteOnlyCell(ws)
            prototype.number_format = number_format
            self.styles[key] = prototype._style
        prototype = WriteOnlyCell(ws)
        prototype.quotePrefix = True  # Excel keeps the cell text even when it is edited
        self.styles["literal"] = prototype._style

    def styled(self, value, style: str) -> Cell:
        return Cell(self.ws, row=1, column=1, value=value, style_array=self.styles[style])

    def text(self, value: str):
        """A string, safe against formula injection: a literal string cell when it could read as a formula."""
        value = _ILLEGAL.sub("", value)[:32767]
        if value.startswith(_FORMULA_STARTS) or value in ERROR_CODES:
            cell = self.styled(value, "literal")
            cell.data_type = "s"  # openpyxl made «=…» a formula and «#N/A» an error: force a literal string
            return cell
        return value

    def typed(self, value, kind: str):
        """A typed cell for ``value`` of a column of ``kind``; a value of the wrong type is kept as text."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return self.text(value)
        if kind == Kind.TEXT or isinstance(value, bool):
            return self.text(str(value))
        number = isinstance(value, int | float | Decimal)
        if kind == Kind.INT and number:
            return int(value)
        if kind == Kind.DECIMAL and number:
            return self.styled(float(value), "decimal")
        if kind == Kind.PERCENT and number:
            return self.styled(float(value) / 100, "percent")
        if kind == Kind.DATE and isinstance(value, datetime.datetime):
            return self.styled(_naive(value), "datetime")
        if kind == Kind.DATE and isinstance(value, datetime.date):
            return self.styled(value, "date")
        return self.text(str(value))


def _header_cell(ws, title: str):
    cell = WriteOnlyCell(ws, value=_ILLEGAL.sub("", title))
    cell.data_type = "s"
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = _HEADER_ALIGNMENT
    return cell


def _write_summary(wb: Workbook, context: ReportContext, sheets: list[tuple[str, Section, Table]]) -> None:
    ws = wb.create_sheet(SUMMARY_SHEET)
    cells = _Cells(ws)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 70

    def label(text: str):
        cell = WriteOnlyCell(ws, value=text)
        cell.font = _LABEL_FONT
        return cell

    title = WriteOnlyCell(ws, value=_ILLEGAL.sub("", context.title))
    title.data_type = "s"
    title.font = _TITLE_FONT
    ws.append([title])
    if context.subtitle:
        ws.append([cells.text(context.subtitle)])
    ws.append([])
    ws.append([label("Орган управления образованием"), cells.text(context.department)])
    ws.append([label("Территория"), cells.text(context.territory)])
    ws.append([label("Год"), context.year])
    ws.append([label("Данные на"), cells.styled(_naive(context.as_of), "datetime")])
    ws.append([label("Версия"), context.version])
    if context.signer:
        ws.append([label("Подписант"), cells.text(context.signer)])
    if context.meta:
        ws.append([])
        ws.append([label("Параметры")])
        for key, value in context.meta.items():
            ws.append([cells.text(str(key)), cells.text(str(value))])
    if sheets:
        ws.append([])
        ws.append([label("Листы книги")])
        for name, section, table in sheets:
            ws.append([cells.text(name), cells.text(f"{section.title}: {table.title}")])


def _write_table(wb: Workbook, name: str, table: Table) -> None:
    ws = wb.create_sheet(name)
    columns = table.columns
    # Everything before the first row: column widths, frozen panes (write-only sheets write them first).
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(column.width, 4) + 1
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.append([_header_cell(ws, column.title) for column in columns])

    cells = _Cells(ws)
    kinds = [column.kind for column in columns]
    rows = 0
    for row in table.iter_rows():  # once: the rows may be a generator of hundreds of thousands
        ws.append([cells.typed(value, kind) for value, kind in zip(row, kinds, strict=False)])
        rows += 1
    # The filter is written when the sheet is closed, so the range is known by now.
    last_column = get_column_letter(max(len(columns), 1))
    ws.auto_filter.ref = f"A1:{last_column}{rows + 1}"


def render_xlsx_to(context: ReportContext, fileobj: BinaryIO) -> None:
    """Write the workbook into ``fileobj`` (a file opened for binary writing, or a ``BytesIO``)."""
    wb = Workbook(write_only=True)
    taken = {SUMMARY_SHEET.casefold()}
    sheets = []
    for section in context.sections:
        for table in section.tables:
            wanted = table.sheet or table.title or section.title
            sheets.append((sheet_name(wanted, taken), section, table))
    _write_summary(wb, context, sheets)
    for name, _section, table in sheets:
        _write_table(wb, name, table)
    wb.save(fileobj)


def render_xlsx(context: ReportContext) -> bytes:
    """The workbook as bytes (for big workbooks prefer ``render_xlsx_to`` with a file on disk)."""
    buffer = io.BytesIO()
    render_xlsx_to(context, buffer)
    return buffer.getvalue()
