"""What a report says, as plain data: the builders fill it, the renderers turn it into bytes.

Nothing here touches the ORM. A renderer receives a ``ReportContext`` and nothing else, so it can be
tested with a tiny hand-made context and the same context yields the PDF, the workbook and the .docx.
"""

import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal


class Kind:
    """How a column's values are typed and shown (the workbook's number formats follow this)."""

    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"  # a mean score: 2 decimals
    PERCENT = "percent"  # percentage points, 0–100 (31.5 means 31.5 %); the workbook stores 0.315
    DATE = "date"


Cell = str | int | float | Decimal | datetime.date | None


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = Kind.TEXT
    width: int = 14  # characters; the workbook's column width, the PDF's relative width


@dataclass(frozen=True)
class Table:
    """A table of a section. ``rows`` is a sequence, or for a sheet too large to hold in memory a
    zero-argument callable returning a fresh iterator (used only with ``in_pdf=False``)."""

    title: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]] | Callable[[], Iterable[tuple[Cell, ...]]]
    note: str = ""
    sheet: str = ""  # the workbook's sheet name (≤ 31 characters); empty → made from the title
    in_pdf: bool = True  # False: only in the workbook (raw data too long for print)
    in_workbook: bool = True  # False: print only (a shorter form of a table the workbook has in full)

    def iter_rows(self) -> Iterable[tuple[Cell, ...]]:
        return self.rows() if callable(self.rows) else self.rows


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per category; None where there is no value


@dataclass(frozen=True)
class Chart:
    """A line chart: categories along the x axis (years), one line per series."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = "%"
    threshold: float | None = None  # drawn as a dashed line (the threshold of the ШНОР rule)
    note: str = ""  # under the caption: what the lines and the dashed line mean


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    empty_text: str = ""  # shown when the section has no data yet


@dataclass(frozen=True)
class ReportContext:
    title: str  # «Аналитическая справка по работе со школами с низкими образовательными результатами»
    department: str  # the title block: the department's name
    territory: str  # «Обливский район», «Ростовская область», or a school's name
    year: int  # the list year
    as_of: datetime.datetime  # the data's as-of time
    version: int = 1
    subtitle: str = ""
    sections: tuple[Section, ...] = ()
    recommendations: str = ""  # the methodologist's text; paragraphs separated by blank lines
    signer: str = ""  # «Начальник управления образования И. И. Иванов», under the text
    meta: dict[str, str] = field(default_factory=dict)  # rule parameters etc., shown in an appendix


def percent_text(value: float | Decimal | None, digits: int = 1) -> str:
    """31.5 → «31,5 %» (a Russian decimal comma and a non-breaking space)."""
    if value is None:
        return "—"
    return f"{float(value):.{digits}f}".replace(".", ",") + "\u00a0%"


def cell_text(value: Cell, kind: str) -> str:
    """How a cell reads in print (the PDF and the .docx)."""
    if value is None or value == "":
        return "—"
    if kind == Kind.PERCENT:
        return percent_text(value)  # type: ignore[arg-type]
    if kind == Kind.DECIMAL:
        return f"{float(value):.2f}".replace(".", ",")  # type: ignore[arg-type]
    if kind == Kind.INT:
        return f"{int(value):,}".replace(",", "\u00a0")  # type: ignore[arg-type]
    if kind == Kind.DATE and isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def is_numeric(kind: str) -> bool:
    """Numbers are right-aligned in print."""
    return kind in (Kind.INT, Kind.DECIMAL, Kind.PERCENT)


def split_paragraphs(text: str) -> tuple[str, ...]:
    """The methodologist's text → paragraphs: every non-empty line is one. A textarea's Enter starts a new
    recommendation, and each gets its own indented paragraph in print (a line break inside a paragraph would
    leave every line but the first without its indent)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return tuple(line.strip() for line in lines if line.strip())


_SIGNER_NAME = re.compile(r"^(?P<position>.+?)\s+(?P<name>(?:[А-ЯЁA-Z]\.\s?){1,2}[А-ЯЁA-Z][\w-]+)$")


def split_signer(signer: str) -> tuple[str, str]:
    """«Начальник управления образования И. И. Иванов» → (position, «И. И. Иванов») for the signature
    line (the position on the left, the name on the right); ``(signer, "")`` when there are no initials."""
    match = _SIGNER_NAME.match(signer.strip())
    if not match:
        return signer.strip(), ""
    return match["position"], match["name"]
