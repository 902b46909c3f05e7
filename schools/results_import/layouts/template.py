"""The portal's own results template: one row per school and procedure, the header in Russian or English.

Every other layout hands its rows on in this template's column order (``in_template_order``).
"""

from collections.abc import Iterator
from operator import itemgetter

from core.tabular import (
    Column,
    RowError,
    TableError,
    cell_text,
    file_format,
    map_header,
)

from .base import Layout, Row, SheetReport, Source

TEMPLATE_COLUMNS = (
    Column("school_code", "Код ОО", aliases=("код", "логин", "логин ОО")),
    Column("year", "Год"),
    Column("kind", "Вид", aliases=("вид процедуры", "процедура")),
    Column("subject", "Предмет"),
    Column("grade", "Класс", aliases=("параллель",)),
    Column("participants", "Участников", aliases=("участники", "кол-во участников", "количество участников")),
    Column(
        "failed", "Неудовлетворительно", aliases=("неудовлетворительных", "не преодолели минимальный порог")
    ),
    Column("marks_3", "«3»", required=False),
    Column("marks_4", "«4»", required=False),
    Column("marks_5", "«5»", required=False),
    Column("mean_score", "Средний балл", required=False),
    # School identity (#19 §1): a layout that names schools only by name leaves «Код ОО» empty and fills these;
    # the catalog then finds the school by its name within the municipality. Optional, after the others.
    Column(
        "school_name",
        "Наименование ОО",
        aliases=("ОО", "наименование", "образовательная организация", "школа"),
        required=False,
    ),
    Column(
        "municipality", "Муниципалитет", aliases=("муниципальное образование", "МО", "район"), required=False
    ),
    # ЕГЭ (#19 §3.2): optional, after every other column.
    Column(
        "high_scorers",
        "Высокобалльников (80–99)",
        aliases=("высокобалльники", "80-99 баллов"),
        required=False,
    ),
    Column("hundred_scorers", "100 баллов", aliases=("стобалльники", "получили 100 баллов"), required=False),
    # ВПР participant protocols (#19 §3.4): a school's distribution of primary scores and term-mark comparison
    # as JSON (layouts/vpr_protocol.py writes it; schools.models.VprResultDetail keeps it). Optional, last.
    Column("vpr_details", "ВПР: распределение баллов и сравнение с отметками", required=False),
)
TEMPLATE_LABELS = {column.key: column.label for column in TEMPLATE_COLUMNS}
TEMPLATE_KEYS = tuple(column.key for column in TEMPLATE_COLUMNS)
# Columns only the portal's own layouts fill (a protocol's aggregates are computed from its pupils' rows, never
# typed): a user's file cannot set them — the template's header neither offers nor reads them.
INTERNAL_KEYS = frozenset({"vpr_details"})
USER_COLUMNS = tuple(column for column in TEMPLATE_COLUMNS if column.key not in INTERNAL_KEYS)


def template_rows(raw: Iterator[list], *, typed: bool, report: SheetReport | None = None) -> Iterator[Row]:
    """Rows after the header as tuples in TEMPLATE_COLUMNS order; an absent optional column reads as ''.

    The hot loop of a million-row file: one C-level itemgetter picks the cells. CSV cells are text and are
    passed on as they are (a cell with stray spaces fails the validator's fast path and is trimmed on its slow
    one); xlsx cells are typed values and only the picked ones are converted.
    """
    line = 0
    header = None
    for row in raw:
        line += 1
        cells = [cell_text(value) for value in row]
        if any(cells):
            header = cells
            break
    if header is None:
        raise TableError("Файл пуст: нет строки заголовка.")
    positions = map_header(header, USER_COLUMNS)
    if report is not None:
        describe_header(report, line, header, positions, USER_COLUMNS)
    width = max(positions.values()) + 1
    absent = len(positions) < len(TEMPLATE_COLUMNS)  # an internal column is always absent
    # An absent column reads the "" appended to each row (index -1).
    pick = itemgetter(*(positions.get(column.key, -1) for column in TEMPLATE_COLUMNS))
    for row in raw:
        line += 1
        if len(row) < width:
            row = [*row, *[""] * (width - len(row))]
        if absent:
            row.append("")
        values = tuple(map(cell_text, pick(row))) if typed else pick(row)
        if any(values):
            yield line, values, ()


def describe_header(
    report: SheetReport, line: int, header: list[str], positions: dict[str, int], columns: tuple
) -> None:
    """Say on the sheet's report which header cell became which field (by the field's label)."""
    report.header_row = line
    report.columns = {
        column.label: header[positions[column.key]] for column in columns if column.key in positions
    }


def in_template_order(rows: Iterator[tuple[int, dict[str, str], tuple[RowError, ...]]]) -> Iterator[Row]:
    """A layout's rows (line, values by column key, errors) in the template's column order."""
    blanks = ("",) * len(TEMPLATE_KEYS)
    for line, values, errors in rows:
        yield line, tuple(map(values.get, TEMPLATE_KEYS, blanks)), errors  # values.get(key, "") at C speed


def _recognises(header: list[str], texts: list[list[str]]) -> bool:
    try:
        map_header(header, USER_COLUMNS)
    except TableError:
        return False
    return True


def header_problem(header: list[str]) -> str:
    """Why ``header`` is not the template's (the message of an unrecognised file names it)."""
    try:
        map_header(header, USER_COLUMNS)
    except TableError as error:
        return str(error)
    return ""


def _read(rows: Iterator[list], source: Source) -> Iterator[Row]:
    source.report.origins = {
        "Год": "из столбца «Год» каждой строки",
        "Предмет": "из столбца «Предмет» каждой строки",
    }
    return template_rows(rows, typed=file_format(source.file_name) != "csv", report=source.report)


LAYOUT = Layout(
    name="Шаблон портала",
    recognises=_recognises,
    read=lambda rows, source, options: _read(rows, source),
    labels=TEMPLATE_LABELS,
)
