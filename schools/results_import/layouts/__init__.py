"""The layouts of a results file, and the one entry that reads every sheet of a file by the layout it has.

A layout (``base.Layout``) says whether a sheet's first rows are its own and reads the sheet's rows in the
template's column order. To read a new kind of file, add a module here with its ``LAYOUT`` and put it in
``LAYOUTS``, before any layout that would also claim its header; the validation and the writing stay as they are.

Every sheet of a workbook is recognised on its own (#19 §2): a workbook of one ФИС ОКО report per subject is
read sheet by sheet, one after the other (one sheet built in memory at a time), and every sheet is said out loud
in its ``SheetReport``: read (how), skipped by its layout (why), empty, or not recognised (what was looked for
and what its first cells are). A sheet no layout recognises does not block the file when another sheet is read:
the preview and the command list it as a warning, so nothing is left out unsaid; a file with no sheet read is
refused with what the portal looked for and what each sheet begins with.
"""

from collections.abc import Callable, Iterator
from itertools import chain, islice
from typing import IO

from core.tabular import TableError, cell_text, count_filled_rows, read_sheets

from . import ege_region, fisoko, oge_region, rcoi, template, vpr_protocol
from .base import Row, SheetReport, Source

# Tried in this order: the first that recognises the file reads it.
LAYOUTS = (
    template.LAYOUT,
    ege_region.LAYOUT,
    oge_region.LAYOUT,
    rcoi.LAYOUT,
    *vpr_protocol.LAYOUTS,
    fisoko.FLAT_LAYOUT,
    fisoko.REPORT_LAYOUT,
)
PEEK_ROWS = 100  # rows read to recognise the shape; a report's header block is a handful of rows


HEADER_CELLS_SHOWN = 8  # first cells of a sheet's first filled row quoted when it is not recognised
EMPTY_SHEET = "пустой лист"


def open_rows(
    stream: IO[bytes],
    name: str,
    options: dict,
    *,
    reports: list[SheetReport] | None = None,
    on_sheet: Callable[[SheetReport, int], None] | None = None,
) -> tuple[Iterator[Row], dict[str, str]]:
    """The rows of every sheet the layouts read, one sheet after the other, in template order; and the column
    labels of the sheet being read (the dict is updated in place when the next sheet starts).

    ``reports`` receives every sheet's report as it is met; ``on_sheet(report, index)`` is called when a sheet's
    rows start, and with (None-sheet report, -1) once all are read. Raises TableError (on iteration) when no
    sheet is read.
    """
    labels: dict[str, str] = {}
    return _rows(stream, name, options, labels, [] if reports is None else reports, on_sheet), labels


def _rows(
    stream: IO[bytes],
    name: str,
    options: dict,
    labels: dict[str, str],
    reports: list[SheetReport],
    on_sheet: Callable[[SheetReport, int], None] | None,
) -> Iterator[Row]:
    unrecognised: list[tuple[SheetReport, list[str], int | None]] = []
    for index, (sheet, raw, count) in enumerate(read_sheets(stream, name)):
        report = SheetReport(sheet)
        reports.append(report)
        try:
            rows = _open_sheet(report, raw, name, options, unrecognised)
        except TableError as error:
            raise _on_sheet_error(error, report, count) from error
        if rows is None:
            continue
        labels.clear()
        labels.update(rows[1])
        if on_sheet is not None:
            on_sheet(report, index)
        produced = 0
        try:
            for row in rows[0]:
                produced += 1
                yield row
        except TableError as error:
            raise _on_sheet_error(error, report, count) from error
        report.results = produced
        report.rows = report.rows or produced
        # The sheet's grid is freed before the next sheet is built: one sheet in memory at a time.
        del rows, raw
    if on_sheet is not None:
        on_sheet(SheetReport(None), -1)
    if not any(report.status == SheetReport.READ for report in reports):
        _refuse(reports, unrecognised)


def _open_sheet(
    report: SheetReport,
    raw: Iterator[list],
    name: str,
    options: dict,
    unrecognised: list,
) -> tuple[Iterator[Row], dict[str, str]] | None:
    """Recognise one sheet from its first rows: its rows and labels when it is read, None when it is not."""
    peeked = list(islice(raw, PEEK_ROWS))
    texts = [[cell_text(value) for value in row] for row in peeked]
    header = next((cells for cells in texts if any(cells)), None)
    rows = chain(peeked, raw)
    if header is None:
        filled = count_filled_rows(raw)
        if not filled:
            report.status, report.reason = SheetReport.EMPTY, EMPTY_SHEET
            return None
        header = []  # a table further down than PEEK_ROWS blank rows: no layout looks that far
    for layout in LAYOUTS:
        if not layout.recognises(header, texts):
            continue
        report.layout = layout.name
        source = Source(name, report.sheet, report)
        reason = layout.skip(texts, source) if layout.skip is not None else None
        if reason:
            report.status, report.reason = SheetReport.SKIPPED, reason
            return None
        report.status = SheetReport.READ
        return layout.read(rows, source, options), layout.labels
    filled = count_filled_rows(rows)  # the header's row among them
    data_rows = None if filled is None else max(filled - 1, 0)
    report.status = SheetReport.UNRECOGNISED
    report.rows = data_rows or 0
    report.reason = f"Не распознан: искали {_layout_names()}. Первые ячейки листа: {_first_cells(header)}."
    unrecognised.append((report, header, data_rows))
    return None


def _refuse(reports: list[SheetReport], unrecognised: list) -> None:
    """No sheet read: say what the portal looked for and what each sheet begins with."""
    if not unrecognised:
        raise TableError("Файл пуст: нет строки заголовка.")
    if len(reports) == 1:
        _report, header, rows = unrecognised[0]
        raise TableError(
            "Не удалось распознать файл: это не шаблон портала и не отчёт ФИС ОКО «Статистика по отметкам». "
            + template.header_problem(header)
            + f" Искали: {_layout_names()}.",
            rows=rows,
        )
    headers = {id(report): header for report, header, _rows in unrecognised}
    found = "; ".join(
        f"лист «{report.sheet}» — "
        + (_first_cells(headers[id(report)]) if id(report) in headers else report.reason)
        for report in reports
    )
    counted = [rows for _report, _header, rows in unrecognised]
    raise TableError(
        f"Не удалось распознать ни один лист файла. Искали: {_layout_names()}. Найдено: {found}.",
        rows=None if None in counted else sum(counted),
    )


def _on_sheet_error(error: TableError, report: SheetReport, sheets: int) -> TableError:
    """A sheet that cannot be read fails the file; in a workbook of several sheets the message names the sheet."""
    report.status, report.reason = SheetReport.FAILED, str(error)
    if report.sheet is None or sheets < 2:
        return error
    return TableError(f"Лист «{report.sheet}»: {error}", rows=error.rows)


def _layout_names() -> str:
    return ", ".join(f"«{layout.name}»" for layout in LAYOUTS)


def _first_cells(header: list[str]) -> str:
    cells = [cell[:60] for cell in header if cell.strip()][:HEADER_CELLS_SHOWN]
    return " | ".join(f"«{cell}»" for cell in cells) if cells else "(в первых строках пусто)"
