"""ФИС ОКО «Статистика по отметкам» (ВПР) turned into rows of the portal template. Pure: no ORM, no Django.

Two layouts of a results file (``FLAT_LAYOUT``, ``REPORT_LAYOUT`` at the end).

Departments receive the report in two shapes (docs: ../shared/domain/BRIEF.md, "Facts worth knowing"):

* **report** — the file as ФИС ОКО exports it: a header block (the procedure and year, the grade, the subject,
  the maximum primary score), then a table «Группы участников | Кол-во ОО | Кол-во участников | 2 | 3 | 4 | 5»
  (the marks sometimes under a merged «Распределение групп баллов в %» on a second header row) whose rows go
  from the whole sample to the region, its municipalities and each school. Only school rows — those that start
  with the school's login in parentheses, ``(sch470123) МКОУ «Шумская СОШ»`` — are imported; the aggregate rows
  are skipped.
* **flat** — a table compiled by regional analysts:
  ``Год | Класс | Предмет | Муниципалитет | ОО | Логин | Кол-во участников | 2 | 3 | 4 | 5``.

In both the marks are percentages. Counts are recovered as round(participants × % / 100), rounding half up in
decimal arithmetic (never binary floats). With two decimals this is exact for fewer than 10,000 participants:
the printed percentage differs from the true share by under 0.005 pp, i.e. by under half a pupil.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.tabular import (
    Column,
    RowError,
    TableError,
    cell_text,
    map_header,
    normalise_header,
    normalise_text,
    rows_with_header,
)

from .base import Layout, SheetReport, Source
from .template import describe_header, in_template_order

KIND = "ВПР"  # «Статистика по отметкам» is a ВПР report
YEARS = range(2000, 2101)  # as Procedure's validators
GRADES = range(1, 12)
MARKS = ("2", "3", "4", "5")

# A row of the portal template, as text: what the results importer validates whatever the file's shape.
PortalRow = tuple[int, dict[str, str], tuple[RowError, ...]]

FLAT_COLUMNS = (
    Column("year", "Год"),
    Column("grade", "Класс", aliases=("параллель",)),
    Column("subject", "Предмет"),
    Column(
        "municipality", "Муниципалитет", aliases=("муниципальное образование", "район", "МО"), required=False
    ),
    Column("school_name", "ОО", aliases=("наименование ОО", "образовательная организация"), required=False),
    Column("login", "Логин", aliases=("логин ОО", "код ОО")),
    Column("participants", "Кол-во участников", aliases=("количество участников", "участников")),
    *(
        Column(f"p{mark}", f"«{mark}»", aliases=(f"отметка {mark}", f"{mark}, %", f"% {mark}"))
        for mark in MARKS
    ),
)
FLAT_LABELS = {
    "school_code": "Логин",
    "year": "Год",
    "kind": "Вид",
    "subject": "Предмет",
    "grade": "Класс",
    "participants": "Кол-во участников",
    "failed": "«2»",
    "marks_3": "«3»",
    "marks_4": "«4»",
    "marks_5": "«5»",
    "mean_score": "Средний балл",
}
# In the report year, grade and subject come from its header block (or from the upload form).
REPORT_LABELS = {
    **FLAT_LABELS,
    "school_code": "Группы участников",
    "year": "Год (заголовок отчёта)",
    "grade": "Класс (заголовок отчёта)",
    "subject": "Предмет (заголовок отчёта)",
}

_LOGIN = re.compile(r"^\(\s*([^()\s]+)\s*\)\s*(.*)$")
_YEAR = re.compile(r"(?<!\d)(20\d\d|2100)(?!\d)")
_GRADE = re.compile(r"(?<!\d)(1[01]|[1-9])\s*(?:-?\s*(?:й|го|ый|ой))?\s*(?:класс|кл\b|кл\.)", re.IGNORECASE)
_GRADE_AFTER = re.compile(r"(?:класс|параллель)\s*[:№]?\s*(1[01]|[1-9])(?!\d)", re.IGNORECASE)
_MAX_SCORE = re.compile(r"максимальный\s+(?:первичный\s+)?балл\s*:?\s*(\d{1,9})(?!\d)", re.IGNORECASE)
_PERCENT = re.compile(r"^\d{1,3}(?:[.,]\d+)?$")
_PERCENT_PARTS = re.compile(r"^(\d{1,3})(?:[.,](\d+))?$")  # _PERCENT: the whole part and the fraction
COUNTS_KEPT = 100_000  # recovered counts a sheet keeps for its next rows (~15 MB at most)
_EXACT_DECIMALS = 15  # fraction digits counted in whole numbers: 9 + 3 + 15 digits fit Decimal's 28
# Whole numbers of 9 digits at most: int() reads at most 4300 («²» not at all), the decimal context 28.
_WHOLE = re.compile(r"^(\d{1,9})(?:[.,]0+)?$")
_NUMBER = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True)
class ReportInfo:
    """What the header block of a report says about its procedure."""

    year: int | None = None
    grade: int | None = None
    subject: str = ""
    max_score: int | None = None


def is_report_header(cells: list[str]) -> bool:
    """The first header row of the report's table: its first filled cell is «Группы участников»."""
    first = next((cell for cell in cells if cell.strip()), "")
    return normalise_header(first) == "группы участников"


def school_login(text: str) -> tuple[str, str] | None:
    """'(sch470123) МКОУ «Шумская СОШ»' -> ('sch470123', 'МКОУ «Шумская СОШ»'); an aggregate row -> None."""
    match = _LOGIN.match(text.strip())
    return (match.group(1), normalise_text(match.group(2))) if match else None


def parse_percent(text: str) -> Decimal:
    """'18,52', '18.52', '18.52 %', '0' -> Decimal; raises ValueError for anything else or outside 0…100."""
    cleaned = text.replace("%", "").replace("\u00a0", "").replace(" ", "")
    if not _PERCENT.match(cleaned):
        raise ValueError(text)
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only decimals
        raise ValueError(text) from error
    if value > 100:
        raise ValueError(text)
    return value


def recover_count(participants: int, percent: Decimal) -> int:
    """round(participants × % / 100), half up: 27 participants, 18.52 % -> 5 (5.0004)."""
    return int((participants * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_report_info(lines: Iterable[list[str]]) -> ReportInfo:
    """Read year, grade, subject and maximum score from the rows above the table.

    The block is free text spread over cells: «Всероссийские проверочные работы 2023 (5 класс)»,
    «Предмет: Математика» or «Предмет» | «Математика», «Максимальный первичный балл: 20», «Дата: 18.04.2023».
    A year in a line about the procedure wins over a date's year.
    """
    year = grade = max_score = None
    date_year = None
    subject = ""
    for cells in lines:
        filled = [normalise_text(cell) for cell in cells if cell and cell.strip()]
        text = " ".join(filled)
        if not text:
            continue
        lowered = text.lower().replace("ё", "е")
        for index, cell in enumerate(filled):
            label, _, rest = cell.partition(":")
            key = normalise_header(label)
            value = rest.strip() or (filled[index + 1] if index + 1 < len(filled) else "")
            if key == "предмет" and value and not subject:
                subject = value
            elif key in {"год", "учебный год"} and value and year is None:
                found = _YEAR.findall(value)
                year = int(found[-1]) if found else None
            elif key in {"класс", "параллель"} and value and grade is None and _NUMBER.match(value):
                grade = int(value)
        if max_score is None and (match := _MAX_SCORE.search(text)):
            max_score = int(match.group(1))
            continue
        if lowered.startswith("дата"):
            found = _YEAR.findall(text)
            date_year = date_year or (int(found[-1]) if found else None)
            continue
        if year is None and ("впр" in lowered or "проверочн" in lowered) and (found := _YEAR.findall(text)):
            year = int(found[-1])  # «2022/2023 учебный год» is the year 2023
        if grade is None and (match := _GRADE.search(text) or _GRADE_AFTER.search(text)):
            grade = int(match.group(1))
    return ReportInfo(year=year or date_year, grade=grade, subject=subject, max_score=max_score)


def resolve_report_info(info: ReportInfo, *, year: int | None, grade: int | None, subject: str) -> ReportInfo:
    """Fill what the header lacks from the values asked on upload; a contradiction is an error of the file."""
    merged = {}
    for field, label, given in (
        ("year", "год", year),
        ("grade", "класс", grade),
        ("subject", "предмет", subject),
    ):
        found = getattr(info, field)
        if found and given and _comparable(found) != _comparable(given):
            raise TableError(
                f"В заголовке отчёта указан {label} «{found}», а при загрузке — «{given}». "
                "Проверьте файл или не указывайте это значение при загрузке."
            )
        merged[field] = found or given
    missing = [
        label
        for field, label in (("year", "год"), ("grade", "класс"), ("subject", "предмет"))
        if not merged[field]
    ]
    if missing:
        raise TableError(
            "В заголовке отчёта ФИС ОКО не найдены: "
            + ", ".join(missing)
            + ". Укажите их при загрузке файла (в команде: --year, --grade, --subject)."
        )
    if merged["year"] not in YEARS:
        raise TableError(f"Год отчёта {merged['year']} вне допустимого диапазона 2000–2100.")
    if merged["grade"] not in GRADES:
        raise TableError(f"Класс отчёта {merged['grade']} вне допустимого диапазона 1–11.")
    return ReportInfo(
        year=merged["year"], grade=merged["grade"], subject=merged["subject"], max_score=info.max_score
    )


def _comparable(value) -> str:
    return normalise_header(str(value))


def _marks_positions(row: list[str]) -> dict[str, int]:
    positions = {}
    for index, cell in enumerate(row):
        key = normalise_header(cell).removeprefix("отметка ").removesuffix(", %").removesuffix(" %")
        if key in MARKS and key not in positions:
            positions[key] = index
    return positions


def report_rows(
    rows: Iterable[tuple[int, list[str]]],
    *,
    year: int | None = None,
    grade: int | None = None,
    subject: str = "",
    report: SheetReport | None = None,
) -> Iterator[PortalRow]:
    """Portal rows from a report in its exported shape. ``rows`` are (line, cells as text).

    ``report``, when given, is told the header row, the columns read and where year, grade and subject came from.
    """
    iterator = iter(rows)
    block: list[list[str]] = []
    header: list[str] | None = None
    header_line = 0
    for line, cells in iterator:
        if is_report_header(cells):
            header, header_line = cells, line
            break
        block.append(cells)
    if header is None:
        raise TableError("В отчёте ФИС ОКО не найдена таблица «Группы участников».")
    found = parse_report_info(block)
    info = resolve_report_info(found, year=year, grade=grade, subject=subject)
    names = [normalise_header(cell) for cell in header]
    group_col = next(index for index, name in enumerate(names) if name == "группы участников")
    participants_col = next(
        (
            index
            for index, name in enumerate(names)
            if name in {"кол-во участников", "количество участников", "участников", "кол-во уч-ся"}
        ),
        None,
    )
    if participants_col is None:
        raise TableError("В таблице отчёта ФИС ОКО нет столбца «Кол-во участников».")
    marks = _marks_positions(header)
    pending: list[tuple[int, list[str]]] = []
    marks_line, marks_header = header_line, header
    if len(marks) < len(MARKS):
        # The marks are on a second header row, under «Распределение групп баллов в %».
        for line, cells in iterator:
            sub = _marks_positions(cells)
            if len(sub) == len(MARKS):
                marks, marks_line, marks_header = sub, line, cells
                break
            pending.append((line, cells))
            if len(pending) > 2:
                break
        if len(marks) < len(MARKS):
            raise TableError("В таблице отчёта ФИС ОКО нет столбцов отметок «2», «3», «4», «5».")
    if report is not None:
        report.header_row = marks_line
        report.columns = {
            "Логин (в скобках в начале строки школы)": header[group_col],
            "Кол-во участников": header[participants_col],
            **{f"«{mark}», %": _pick(marks_header, position) for mark, position in marks.items()},
        }
        report.origins = _origins(found, info, header_line)
    base = {
        "year": str(info.year),
        "kind": KIND,
        "subject": info.subject,
        "grade": str(info.grade),
        "mean_score": "",
    }
    scanned = 0  # data rows under the header, aggregates included (the sheet's report says how many)
    login = _LOGIN.match
    counts: dict[tuple[int | None, str], str] = {}
    for line, cells in _chain(pending, iterator):
        if report is not None and any(cells):
            scanned += 1
            report.rows = scanned
        school = login(cells[group_col].strip()) if group_col < len(cells) else None
        # A school's row whose login cell is its first filled one is no header: only other rows are looked at.
        if (school is None or (group_col and any(cell.strip() for cell in cells[:group_col]))) and (
            is_report_header(cells)
        ):
            continue  # the header repeated (a report pasted page by page)
        if school is None:
            continue  # the whole sample, the region, a municipality
        yield _portal_row(
            line,
            school.group(1),
            base,
            _pick(cells, participants_col),
            {mark: _pick(cells, pos) for mark, pos in marks.items()},
            REPORT_LABELS,
            counts,
        )


def _origins(found: ReportInfo, info: ReportInfo, header_line: int) -> dict[str, str]:
    """Where the report's year, grade and subject came from: its header block, or the values asked on upload."""
    place = (
        f"из шапки отчёта (строки 1–{header_line - 1})" if header_line > 2 else "из шапки отчёта (строка 1)"
    )
    return {
        label: f"{place}: {getattr(info, field)}"
        if getattr(found, field)
        else f"указан при загрузке: {getattr(info, field)}"
        for field, label in (("year", "Год"), ("grade", "Класс"), ("subject", "Предмет"))
    }


def flat_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> Iterator[PortalRow]:
    """Portal rows from the flat table (rows as read with FLAT_COLUMNS)."""
    counts: dict[tuple[int | None, str], str] = {}
    for line, values in rows:
        base = {
            "year": values.get("year", ""),
            "kind": KIND,
            "subject": values.get("subject", ""),
            "grade": values.get("grade", ""),
            "mean_score": "",
        }
        yield _portal_row(
            line,
            values.get("login", ""),
            base,
            values.get("participants", ""),
            {mark: values.get(f"p{mark}", "") for mark in MARKS},
            FLAT_LABELS,
            counts,
        )


def _portal_row(
    line: int,
    login: str,
    base: dict[str, str],
    participants_text: str,
    percents: dict[str, str],
    labels: dict[str, str],
    counts: dict[tuple[int | None, str], str] | None = None,
) -> PortalRow:
    """``counts``: the counts recovered so far on the sheet, by (participants, percentage as written) — a
    region's schools repeat the same few (a class of 25 with 4 % of «5»); at most COUNTS_KEPT are kept."""
    values = {**base, "school_code": login, "participants": participants_text}
    errors: list[RowError] = []
    participants = None
    text = participants_text.replace("\u00a0", "").replace(" ", "")
    if not text:
        errors.append(RowError(line, labels["participants"], "Обязательное поле не заполнено."))
    elif match := _WHOLE.match(text):
        participants = int(match.group(1))
    else:
        errors.append(
            RowError(
                line,
                labels["participants"],
                f"Ожидается целое неотрицательное число, указано «{participants_text[:40]}».",
            )
        )
    for mark, key in zip(MARKS, ("failed", "marks_3", "marks_4", "marks_5"), strict=True):
        raw = percents.get(mark, "")
        if not raw.strip():
            if mark == "2":
                errors.append(RowError(line, labels[key], "Не заполнен процент отметок «2»."))
            values[key] = ""
            continue
        count = counts.get((participants, raw)) if counts is not None else None
        if count is not None:
            values[key] = count
            continue
        try:
            values[key] = count = recovered_count(participants, raw)
            if counts is not None and len(counts) < COUNTS_KEPT:
                counts[(participants, raw)] = count
        except ValueError:
            errors.append(
                RowError(
                    line,
                    labels[key],
                    f"Ожидается процент от 0 до 100 (например, 18,52), указано «{raw[:40]}».",
                )
            )
    return line, values, tuple(errors)


def recovered_count(participants: int | None, text: str) -> str:
    """``recover_count(participants, parse_percent(text))`` as text ("" without participants; ValueError as
    parse_percent), in whole numbers: «18,52» is 1852 / 100, and round half up of participants × 1852 / 10,000
    is (2 × participants × 1852 + 10,000) // 20,000 — exact, as the decimal arithmetic is, while the product
    keeps within its 28 digits (participants have 9 digits at most; longer fractions go the decimal way)."""
    cleaned = text.replace("%", "").replace("\u00a0", "").replace(" ", "")
    match = _PERCENT_PARTS.match(cleaned)
    if match is None or len(match.group(2) or "") > _EXACT_DECIMALS:
        percent = parse_percent(text)
        return str(recover_count(participants, percent)) if participants is not None else ""
    whole, fraction = match.group(1), match.group(2) or ""
    scale = 100 * 10 ** len(fraction)
    hundredths = int(whole + fraction)
    if hundredths > scale:  # over 100 %
        raise ValueError(text)
    if participants is None:
        return ""
    return str((2 * participants * hundredths + scale) // (2 * scale))


def _pick(cells: list[str], position: int) -> str:
    return cells[position] if position < len(cells) else ""


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


# --- the two layouts ---------------------------------------------------------------------------------------


def _recognises_flat(header: list[str], texts: list[list[str]]) -> bool:
    try:
        map_header(header, FLAT_COLUMNS)
    except TableError:
        return False
    return True


def _read_report(rows: Iterator[list], source: Source, options: dict):
    # Text cells (most of a report) are cell_text's last case, taken first here.
    numbered = (
        (
            line,
            [
                value.replace("\x00", "").strip() if value.__class__ is str else cell_text(value)
                for value in row
            ],
        )
        for line, row in enumerate(rows, start=1)
    )
    report = report_rows(
        numbered,
        year=options.get("year"),
        grade=options.get("grade"),
        subject=normalise_text(options.get("subject") or ""),
        report=source.report,
    )
    return in_template_order(report)


def _read_flat(rows: Iterator[list], source: Source, options: dict):
    """The flat table under its header (the first non-empty row), the header described on the sheet's report."""
    rows = iter(rows)
    above: list[list] = []
    for raw in rows:
        above.append(raw)
        cells = [cell_text(value) for value in raw]
        if any(cells):
            describe_header(source.report, len(above), cells, map_header(cells, FLAT_COLUMNS), FLAT_COLUMNS)
            source.report.origins = {
                "Год": "из столбца «Год» каждой строки",
                "Класс": "из столбца «Класс» каждой строки",
                "Предмет": "из столбца «Предмет» каждой строки",
            }
            break
    return in_template_order(flat_rows(rows_with_header(_chain(above, rows), FLAT_COLUMNS)))


FLAT_LAYOUT = Layout(
    name="Сводная таблица ФИС ОКО",
    recognises=_recognises_flat,
    read=_read_flat,
    labels=FLAT_LABELS,
)
REPORT_LAYOUT = Layout(
    name="Отчёт ФИС ОКО «Статистика по отметкам»",
    recognises=lambda header, texts: any(is_report_header(cells) for cells in texts),
    read=_read_report,
    labels=REPORT_LABELS,
)
