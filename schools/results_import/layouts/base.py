"""What a layout of a results file is."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from core.tabular import RowError

# (line, values in the template's column order, errors found while reading the row)
Row = tuple[int, tuple[str, ...], tuple[RowError, ...]]


@dataclass(frozen=True)
class Layout:
    """A shape of results file: how to recognise it and how to read its rows in the template's column order."""

    name: str
    # (the first non-empty row's cells, the first rows' cells) -> is this file of this layout?
    recognises: Callable[[list[str], list[list[str]]], bool]
    # (every row from the top as the reader gives it, the file's name, the import's options) -> rows
    read: Callable[[Iterator[list], str, dict], Iterator[Row]]
    labels: dict[str, str]  # column key -> the label an error names
