"""The layouts of a results file, and the one entry that recognises a file's layout from its first rows.

A layout (``base.Layout``) says whether a file's first rows are its own and reads the file's rows in the
template's column order. To read a new kind of file, add a module here with its ``LAYOUT`` and put it in
``LAYOUTS``, before any layout that would also claim its header; the validation and the writing stay as they are.
"""

from collections.abc import Iterator
from itertools import chain, islice
from typing import IO

from core.tabular import TableError, cell_text, count_filled_rows, read_rows

from . import ege_region, fisoko, oge_region, template, vpr_protocol
from .base import Row, SheetReport, Source

# Tried in this order: the first that recognises the file reads it.
LAYOUTS = (
    template.LAYOUT,
    ege_region.LAYOUT,
    oge_region.LAYOUT,
    *vpr_protocol.LAYOUTS,
    fisoko.FLAT_LAYOUT,
    fisoko.REPORT_LAYOUT,
)
PEEK_ROWS = 100  # rows read to recognise the shape; a report's header block is a handful of rows


def open_rows(stream: IO[bytes], name: str, options: dict) -> tuple[Iterator[Row], dict[str, str]]:
    """Recognise the file's shape from its first rows; return its rows in template order and the column labels."""
    raw = _raw_rows(stream, name)
    peeked = list(islice(raw, PEEK_ROWS))
    texts = [[cell_text(value) for value in row] for row in peeked]
    header = next((cells for cells in texts if any(cells)), None)
    if header is None:
        raise TableError("Файл пуст: нет строки заголовка.")
    rows = chain(peeked, raw)
    for layout in LAYOUTS:
        if layout.recognises(header, texts):
            source = Source(name, None, SheetReport(None, layout=layout.name, status=SheetReport.READ))
            return layout.read(rows, source, options), layout.labels
    filled = count_filled_rows(rows)  # the header's row among them
    raise TableError(
        "Не удалось распознать файл: это не шаблон портала и не отчёт ФИС ОКО «Статистика по отметкам». "
        + template.header_problem(header),
        rows=None if filled is None else max(filled - 1, 0),
    )


def _raw_rows(stream: IO[bytes], name: str) -> Iterator[list]:
    """Every row of the file as its reader gives it (no header handling); an .xlsx is measured first."""
    return read_rows(stream, name)
