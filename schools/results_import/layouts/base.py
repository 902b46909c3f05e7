"""What a layout of a results file is, and what it is told about the sheet it reads."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from core.tabular import RowError, SheetReport

__all__ = ["Layout", "Row", "RowError", "SheetReport", "Source"]

# (line, values in the template's column order, errors found while reading the row)
Row = tuple[int, tuple[str, ...], tuple[RowError, ...]]


@dataclass(frozen=True)
class Source:
    """The sheet a layout reads: the file's name, the sheet's name (None for a CSV file) and its report, which
    the layout fills while reading (``header_row``, ``columns``, ``origins``); the importer counts the rows."""

    file_name: str
    sheet: str | None
    report: SheetReport


@dataclass(frozen=True)
class Layout:
    """A shape of results sheet: how to recognise it and how to read its rows in the template's column order."""

    name: str
    # (the first non-empty row's cells, the first rows' cells) -> is this sheet of this layout?
    recognises: Callable[[list[str], list[list[str]]], bool]
    # (every row of the sheet from its top as the reader gives it, the sheet, the import's options) -> rows
    read: Callable[[Iterator[list], Source, dict], Iterator[Row]]
    labels: dict[str, str]  # column key -> the label an error names
    # A sheet this layout recognises but that holds no results (ЕГЭ applications, a protocol's «Классы»):
    # (the first rows' cells, the sheet) -> the Russian reason it is skipped, or None to read it.
    skip: Callable[[list[list[str]], Source], str | None] | None = None
