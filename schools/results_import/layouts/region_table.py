"""A region's ГИА table (ЕГЭ or ОГЭ) as its regional centre publishes it, read into template rows. Pure: no ORM.

The shape (``ege_region_workbook_*.xlsx`` of ../shared/realdata; the ОГЭ table of a regional centre is the same
with marks instead of scores, ../shared/domain/BRIEF.md):

    Информация о результатах ЕГЭ выпускников школ в 2023 году            <- title: the year
    Субъект Российской Федерации ___ Еврейская автономная область ___
    Муниципальное образование | Образовательная организация (школа) | Профиль | Всего … | из них   <- header
                              |                                      |         |         | Русский язык, чел. (merged over 5)
                              |                                      |         |         | приняло участие | не преодолен … | …
    1 | 2 | 3 | 4 | 5 | 6 | …                                         <- column numbers (optional)
    ВСЕГО по региону | | х | 867 | …                                   <- the region's total
    город Биробиджан | | | =SUM(D12:D22) | …                           <- a municipality and its subtotal
      | МБОУ "Гимназия № 1" | | 97 | 97 | | 38 | | 73,17 | …            <- schools, by full name only
    Комитет образования … "Город Чита" | МБОУ "СОШ №1" | X | 51 | …     <- or the municipality on every row

The subject header may be one row above the per-subject columns or two (a row «из них» between), merged over the
subject's columns: its text is in the group's first column. An empty cell is 0. Totals and subtotals are
formulas (a reader gives their cached value, or nothing when the file was never recalculated): they are never
schools; where they hold numbers, each is checked against the sum of its schools, and a disagreement is a warning
on the sheet's report, line «Итоги» (``_close``). A school's municipality is the row's own, or the nearest municipality row
above it; the school is named by ``school_name`` + ``municipality`` and ``school_code`` stays empty (contract
§B: the catalog resolves the school by its identifiers, then by name within the municipality).

A subject's high-scorer and hundred columns are taken or refused for a whole sheet: one school row they
contradict (``_refuse_scorers``) empties them in every row of the subject on that sheet, and the sheet's report
says so; the rest of the rows load. So the sheet's rows are held until its end (one sheet's rows, a few thousand).
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.plural import count_noun, plural
from core.tabular import RowError, SheetReport, TableError, cell_text, normalise_header, normalise_text

from .base import Row, Source
from .template import TEMPLATE_KEYS

_TITLE_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_SHEET_YEAR = re.compile(r"^\s*(20\d\d)\s*(?:г\.?|год)?\s*$", re.IGNORECASE)
_WHOLE = re.compile(r"^(\d{1,9})(?:[.,]0+)?$")
_DECIMAL = re.compile(r"^\d{1,4}(?:[.,]\d+)?$")
_TOTAL = re.compile(r"^(всего|итого)\b")
YEARS = range(2000, 2101)
MAX_NOTES = 20  # disagreeing totals named on the sheet's report; the rest counted
TOTALS = "Итоги"  # the sheet report's line on the totals' check
SCORER_KEYS = ("high_scorers", "hundred_scorers")  # taken or refused together, per subject and sheet
MAX_SCORER_LINES = 3  # rows named in the warning on refused scorer columns; the rest counted

SCHOOL_HEADERS = (
    "образовательная организация (школа)",
    "образовательная организация",
    "наименование оо",
    "оо",
)
MUNICIPALITY_HEADERS = ("муниципальное образование", "муниципалитет", "муниципальный район", "мо")


@dataclass(frozen=True)
class Spec:
    """What differs between the ЕГЭ and the ОГЭ table."""

    kind: str  # «ЕГЭ», «ОГЭ»
    grade: str  # «11», «9»
    # normalised sub-header text -> field key (participants, failed, marks_3…, high_scorers, hundred_scorers,
    # mean_score); a callable, as the headers vary («2», «"2"», «на «2»», «2, %»)
    field_of: Callable[[str], str | None]
    subject_of: Callable[[str], str]  # a subject header («Математика (профиль), чел.») -> the portal's name
    # (subject, counts read) -> the values to hand on and the errors: the kind's own rules (ЕГЭ base maths)
    finish: Callable[[str, dict[str, int | None]], tuple[dict[str, int | None], list[str]]] | None = None
    count_keys: tuple[str, ...] = ()  # the fields summed in totals and checked against them


@dataclass
class Group:
    """One subject's columns."""

    subject: str  # the portal's name
    header: str  # as the file writes it, for messages
    columns: dict[str, int]  # field key -> position
    titles: dict[str, str]  # field key -> the sub-header cell
    percent: bool = False


@dataclass
class Layout:
    """A sheet's table as found in its header rows."""

    municipality_col: int
    school_col: int
    groups: list[Group]
    header_line: int  # the last header row (per-subject columns)
    first_data: int  # index (0-based) of the first row after the header (and the column numbers)
    percent: bool = False


@dataclass
class _Block:
    """A total or subtotal row and the sums of the schools under it, to check one against the other."""

    line: int
    name: str
    values: dict[tuple[int, str], int]  # (group index, field) -> the total's value
    sums: dict[tuple[int, str], int] = field(default_factory=dict)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def find_title(texts: list[list[str]], word: str) -> tuple[int, str] | None:
    """The title row «Информация о … ЕГЭ …» among the first rows: (index, text)."""
    for index, cells in enumerate(texts):
        for cell in cells:
            lowered = normalise_header(cell)
            if lowered.startswith("информация о") and word in lowered:
                return index, normalise_text(cell)
    return None


def header_index(texts: list[list[str]]) -> int | None:
    """The first header row: a school column and a municipality column."""
    for index, cells in enumerate(texts):
        names = [normalise_header(cell) for cell in cells]
        if any(name in SCHOOL_HEADERS[:2] for name in names) and any(
            name in MUNICIPALITY_HEADERS for name in names
        ):
            return index
    return None


def find_layout(texts: list[list[str]], spec: Spec) -> Layout | None:
    """The table's columns from its header rows; None when the per-subject columns are not there."""
    start = header_index(texts)
    if start is None:
        return None
    names = [normalise_header(cell) for cell in texts[start]]
    school_col = next(i for i, name in enumerate(names) if name in SCHOOL_HEADERS[:2])
    municipality_col = next(i for i, name in enumerate(names) if name in MUNICIPALITY_HEADERS)
    # The per-subject row: the first of the next three rows whose cells name a participants column.
    for sub in range(start, min(start + 4, len(texts))):
        fields = [spec.field_of(normalise_header(cell)) for cell in texts[sub]]
        if "participants" in fields:
            break
    else:
        return None
    groups = []
    starts = [i for i, key in enumerate(fields) if key == "participants"]
    for number, first in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(fields)
        header = ""
        # The merged subject cell above: its text is in the group's first column.
        for above in range(sub - 1, start - 1, -1):
            cells = texts[above]
            if first < len(cells) and cells[first].strip():
                header = normalise_text(cells[first])
                break
        columns: dict[str, int] = {}
        titles: dict[str, str] = {}
        for position in range(first, end):
            key = fields[position]
            if key and key not in columns:
                columns[key] = position
                titles[key] = normalise_text(texts[sub][position])
        percent = (
            any("%" in title or "процент" in title.lower() for title in titles.values()) or "%" in header
        )
        groups.append(Group(spec.subject_of(header), header, columns, titles, percent))
    if any(not group.subject for group in groups):
        return None
    first_data = sub + 1
    if first_data < len(texts) and _is_numbering(texts[first_data]):
        first_data += 1
    return Layout(municipality_col, school_col, groups, sub + 1, first_data)


def _is_numbering(cells: list[str]) -> bool:
    """The row of column numbers under the header: 1, 2, 3… (repeated per subject) and nothing else."""
    filled = [cell for cell in cells if cell.strip()]
    return len(filled) >= 3 and all(cell.strip().isdigit() and len(cell.strip()) <= 3 for cell in filled)


def year_of(title: str | None, sheet: str | None) -> tuple[int | None, str]:
    """The year from the title, else from the sheet's name, and where it came from (Russian)."""
    title_years = _TITLE_YEAR.findall(title or "")
    sheet_match = _SHEET_YEAR.match(sheet or "")
    if title_years:
        year = int(title_years[-1])
        origin = f"из заголовка листа: «{title}»"
        if sheet_match and int(sheet_match.group(1)) != year:
            origin += f" (лист назван «{sheet}» — по заголовку год {year})"
        return year, origin
    if sheet_match:
        return int(sheet_match.group(1)), f"из названия листа «{sheet}»"
    return None, ""


def read_table(
    rows: Iterator[list], source: Source, options: dict, spec: Spec, labels: dict[str, str]
) -> Iterator[Row]:
    """Template rows, one per school × subject with participants, from the sheet's rows from its top."""
    sheet = source.sheet or ""
    texts: list[list[str]] = []
    raw_rows = iter(rows)
    # The header block: up to the first data row. Title, headers and numbers fit in the first 30 rows.
    for raw in raw_rows:
        texts.append([cell_text(value) for value in raw])
        if len(texts) >= 30:
            break
    found = find_title(texts, normalise_header(spec.kind))
    year, origin = year_of(found[1] if found else None, source.sheet)
    if year is None and options.get("year"):
        year, origin = int(options["year"]), "из формы загрузки"
    if year is None:
        raise TableError(
            f"Не найден год — ни в заголовке «Информация о результатах {spec.kind} … в ГГГГ году», "
            "ни в названии листа. Укажите год при загрузке."
        )
    if year not in YEARS:
        raise TableError(f"Год {year} вне допустимого диапазона 2000–2100.")
    layout = find_layout(texts, spec)
    if layout is None:
        raise TableError(
            "Не найдены столбцы предметов «приняло участие» под шапкой «Муниципальное "
            "образование | Образовательная организация (школа)»."
        )
    report = source.report
    report.header_row = layout.header_line
    first = header_index(texts) or 0
    report.columns = {
        labels["municipality"]: texts[first][layout.municipality_col],
        labels["school_name"]: texts[first][layout.school_col],
        **{
            f"{group.subject}: {labels.get(key, key)}": f"{column_letter(position)}: {group.header} — "
            f"{group.titles[key]}"
            for group in layout.groups
            for key, position in group.columns.items()
        },
    }
    report.origins = {
        "Год": origin,
        "Предмет": "из шапки листа: названия предметов над их столбцами",
        "Вид": f"{spec.kind}, {spec.grade} класс — из заголовка и шапки таблицы",
        "Школа": "по наименованию в муниципалитете (строка муниципалитета выше или столбец «Муниципальное "
        "образование»); строки «Всего»/«Итого» и муниципалитетов — итоги, не школы",
    }
    missing = [
        f"«{group.header}»"
        for group in layout.groups
        if any(key not in group.columns for key in spec.count_keys[:2])
    ]
    if missing:
        raise TableError(
            f"У предметов {', '.join(missing)} нет столбцов "
            f"«{labels['participants']}» и «{labels['failed']}»."
        )
    yield from _data_rows(source.report, texts, raw_rows, layout, spec, sheet, str(year), labels)


def _data_rows(
    report: SheetReport,
    texts: list[list[str]],
    raw_rows: Iterator[list],
    layout: Layout,
    spec: Spec,
    sheet: str,
    year: str,
    labels: dict[str, str],
) -> Iterator[Row]:
    municipality = ""
    overall: dict[tuple[int, str], int] = {}  # every school's counts summed, for the region's total rows
    region_totals: list[_Block] = []
    subtotal: _Block | None = None  # the current municipality row's numbers and its schools' sums
    broken: set[int] = set()  # subjects with a wrong school row: their totals are not checked
    totals_seen: list[_Block] = []  # the municipalities' subtotals met (each closed once)
    notes: list[str] = []
    # The sheet's rows, held until its end: a subject's high-scorer and hundred columns are taken or refused for
    # the whole sheet (``_refuse_scorers``). (subject's index or -1, row, its subtotal, what the row says against
    # those columns)
    held: list[tuple[int, Row, _Block | None, str]] = []

    def all_rows() -> Iterator[tuple[int, list[str]]]:
        for index in range(layout.first_data, len(texts)):
            yield index + 1, texts[index]
        line = len(texts)
        for raw in raw_rows:
            line += 1
            yield line, [cell_text(value) for value in raw]

    for line, cells in all_rows():
        if not any(cell.strip() for cell in cells):
            continue
        name_m = (
            normalise_text(cells[layout.municipality_col]) if layout.municipality_col < len(cells) else ""
        )
        name_s = normalise_text(cells[layout.school_col]) if layout.school_col < len(cells) else ""
        total_name = next((name for name in (name_m, name_s) if _TOTAL.match(name.lower())), None)
        if total_name is not None:  # «ВСЕГО по региону», «Итого по Забайкальскому краю»: not a school
            region_totals.append(_Block(line, total_name, _total_values(cells, layout, spec)))
            subtotal = None
            continue
        if not name_s:
            if not name_m:
                error = RowError(
                    line,
                    labels["school_name"],
                    "Строка с числами, но без муниципалитета и без наименования школы: непонятно, чья она.",
                    sheet,
                )
                held.append((-1, (line, (), (error,)), None, ""))
                continue
            # A municipality row: the schools below are its own; its numbers are their subtotal.
            municipality = name_m
            subtotal = _Block(line, name_m, _total_values(cells, layout, spec))
            totals_seen.append(subtotal)
            continue
        if name_m and name_m != municipality:
            # The municipality written on every school row (no subtotal rows): a new one ends the previous block.
            subtotal = None
            municipality = name_m
        report.rows += 1
        for index, row, suspect in _school_rows(
            line, cells, layout, spec, sheet, year, name_s, municipality, labels
        ):
            held.append((index, row, subtotal, suspect))
    refused = _refuse_scorers(held, layout, sheet, report)
    for index, row, block, _suspect in held:
        if index < 0:
            continue
        if row[2]:
            broken.add(index)
            continue
        values = dict(zip(TEMPLATE_KEYS, row[1], strict=True))
        for key in spec.count_keys:
            if index in refused and key in SCORER_KEYS:
                continue
            number = int(values[key] or 0)
            overall[(index, key)] = overall.get((index, key), 0) + number
            if block is not None:
                block.sums[(index, key)] = block.sums.get((index, key), 0) + number
    for block in totals_seen:
        _close(block, layout, broken, notes, refused)
    for total in region_totals:
        total.sums = overall
        _close(total, layout, broken, notes, refused)
    yield from (row for _index, row, _block, _suspect in held)
    checked = sum(
        1
        for block in (*totals_seen, *region_totals)
        for index, key in block.values
        if not (index in refused and key in SCORER_KEYS)
    )
    if notes:
        shown = notes[:MAX_NOTES]
        more = f" … и ещё {len(notes) - MAX_NOTES}." if len(notes) > MAX_NOTES else ""
        report.origins[TOTALS] = (
            "ВНИМАНИЕ: не сходятся с суммой школ (итоги не загружаются, загружаются строки школ): "
            + " ".join(shown)
            + more
        )
    elif checked:
        report.origins[TOTALS] = (
            f"сверены с суммой строк школ ({count_noun(checked, 'число', 'числа', 'чисел')}): сходятся"
        )
    else:
        report.origins[TOTALS] = (
            "не сверены: в строках итогов нет количеств для сверки (формулы без вычисленных значений или проценты)"
        )


def _total_values(cells: list[str], layout: Layout, spec: Spec) -> dict[tuple[int, str], int]:
    """A total row's counts that are numbers (a formula never recalculated reads as nothing: not checked)."""
    values = {}
    for index, group in enumerate(layout.groups):
        if group.percent:
            continue
        for key in spec.count_keys:
            position = group.columns.get(key)
            text = cells[position].strip() if position is not None and position < len(cells) else ""
            match = _WHOLE.match(text)
            if match:  # an empty total is not checked: it may be a formula no program has calculated
                values[(index, key)] = int(match.group(1))
    return values


def _refuse_scorers(
    held: list[tuple[int, Row, _Block | None, str]], layout: Layout, sheet: str, report: SheetReport
) -> set[int]:
    """The subjects whose high-scorer and hundred columns are not taken on this sheet, those columns emptied in
    every row of the subject, and a warning on the sheet's report for each (shown by the preview and the command).

    A school row whose high scorers and hundreds exceed its participants together with the failed, or give a mean
    above its «средний балл» (``_scorers_problem``), shows those columns are not what they say. Which of the two
    is wrong cannot be told, and a wrong column (the real Забайкальский 2023 chemistry «получили 100 баллов» is
    =SUM() of the three columns before it) passes by chance on other rows: so neither is taken for any row of
    the sheet, and the rows keep their participants, failed and mean — sound, and what the ШНОР flag needs.
    """
    found: dict[int, list[tuple[int, str]]] = {}
    for index, row, _block, suspect in held:
        if suspect:
            found.setdefault(index, []).append((row[0], suspect))
    positions = [TEMPLATE_KEYS.index(key) for key in SCORER_KEYS]
    for number, (index, row, block, suspect) in enumerate(held):
        if index in found and row[1]:
            values = list(row[1])
            for position in positions:
                values[position] = ""
            held[number] = (index, (row[0], tuple(values), row[2]), block, suspect)
    for index, lines in found.items():
        group = layout.groups[index]
        columns = [key for key in SCORER_KEYS if key in group.columns]
        named = " и ".join(f"«{group.titles[key]}» ({column_letter(group.columns[key])})" for key in columns)
        first = " ".join(f"строка {line}: {message}" for line, message in lines[:MAX_SCORER_LINES])
        more = f" … и ещё {len(lines) - MAX_SCORER_LINES}" if len(lines) > MAX_SCORER_LINES else ""
        in_rows = f"в {len(lines)} {plural(len(lines), 'строке', 'строках', 'строках')}"
        report.origins[f"{group.subject}, лист «{sheet}»"] = (
            f"ВНИМАНИЕ: {'столбцы' if len(columns) > 1 else 'столбец'} {named} не "
            f"{'приняты' if len(columns) > 1 else 'принят'} ни в одной строке (оставлены пустыми; участники, "
            f"«{group.titles['failed']}» и средний балл загружаются) — {in_rows} "
            f"противоречат числу участников или среднему баллу (первые: {first}{more})."
        )
    return set(found)


def _close(
    block: _Block | None, layout: Layout, broken: set[int], notes: list[str], refused: set[int] = frozenset()
) -> None:
    """A total that disagrees with the sum of its schools: a warning on the sheet's report (its «Итоги» line,
    shown by the preview and the command), not an error.

    Totals are not stored, the schools' rows are. The real workbooks have typed totals one off from their
    schools (ЕАО 2023 «ВСЕГО по региону», обществознание «не преодолен min порог» 186 against 187), and
    refusing a file for a number the portal does not keep would make such workbooks unloadable; a reading that
    took a school for a total would show up here too. A subject with a wrong school row is not checked (its sum
    is unknown).
    """
    if block is None:
        return
    for (index, key), value in sorted(block.values.items()):
        total = block.sums.get((index, key), 0)
        if index in refused and key in SCORER_KEYS:
            continue  # the schools' columns are not taken
        if value != total and index not in broken:
            group = layout.groups[index]
            notes.append(
                f"Строка {block.line}, {group.header}: {group.titles[key]} "
                f"({column_letter(group.columns[key])}): итог «{block.name[:80]}» — {value}, "
                f"а сумма строк школ — {total}."
            )


def _school_rows(
    line: int,
    cells: list[str],
    layout: Layout,
    spec: Spec,
    sheet: str,
    year: str,
    school: str,
    municipality: str,
    labels: dict[str, str],
) -> Iterator[tuple[int, Row, str]]:
    """(subject's index, template row, what it says against the subject's high-scorer and hundred columns), one per
    subject the school sat (participants > 0)."""
    for index, group in enumerate(layout.groups):
        errors: list[RowError] = []
        texts = {
            key: (cells[position].strip() if position < len(cells) else "")
            for key, position in group.columns.items()
        }
        counts: dict[str, int | None] = {}
        for key, text in texts.items():
            if key == "mean_score":
                continue
            column = f"{group.header}: {group.titles[key]} ({column_letter(group.columns[key])})"
            if text.startswith("="):
                errors.append(
                    RowError(
                        line,
                        column,
                        f"Формула «{text[:40]}» без вычисленного значения: откройте файл в "
                        "Excel, пересчитайте и сохраните.",
                        sheet,
                    )
                )
                continue
            if group.percent and key != "participants":
                counts[key] = None
                continue
            match = _WHOLE.match(text)
            if text and not match:
                errors.append(
                    RowError(
                        line, column, f"Ожидается целое неотрицательное число, указано «{text[:40]}».", sheet
                    )
                )
                continue
            counts[key] = int(match.group(1)) if match else 0  # an empty cell is 0
        participants = counts.get("participants") or 0
        if group.percent and participants and not errors:
            for key, text in texts.items():
                if key in ("participants", "mean_score"):
                    continue
                column = f"{group.header}: {group.titles[key]} ({column_letter(group.columns[key])})"
                try:
                    counts[key] = _recover(participants, text)
                except ValueError:
                    errors.append(
                        RowError(
                            line,
                            column,
                            f"Ожидается доля в процентах от 0 до 100, указано «{text[:40]}».",
                            sheet,
                        )
                    )
        if not participants:
            given = [key for key, value in counts.items() if key != "participants" and value]
            if given and not errors:
                errors.append(
                    RowError(
                        line,
                        f"{group.header}: {group.titles['participants']} ({column_letter(group.columns['participants'])})",
                        "Участников нет, но указаны "
                        + ", ".join(f"«{group.titles[key]}» ({counts[key]})" for key in given)
                        + ".",
                        sheet,
                    )
                )
            if not errors:
                continue  # the school did not sit this subject
        mean = texts.get("mean_score", "")
        if mean and not _DECIMAL.match(mean.replace(" ", "")):
            errors.append(
                RowError(
                    line,
                    f"{group.header}: {group.titles['mean_score']} ({column_letter(group.columns['mean_score'])})",
                    f"Ожидается число, указано «{mean[:40]}».",
                    sheet,
                )
            )
        if spec.finish is not None and not errors:
            counts, messages = spec.finish(group.subject, counts)
            errors.extend(RowError(line, _span(group), message, sheet) for message in messages)
        suspect = ""
        if not errors:
            # The failed (or marks) alone above the participants: the row is wrong, whatever its scorers say.
            without = {key: value for key, value in counts.items() if key not in SCORER_KEYS}
            if _disjoint_problem(without, group):
                errors.append(RowError(line, _span(group), _disjoint_problem(counts, group), sheet))
            else:  # the high-scorer and hundred columns are wrong: the sheet's whole subject (_refuse_scorers)
                suspect = _disjoint_problem(counts, group) or _mean_problem(counts, mean, group)
        values = {
            "school_code": "",
            "school_name": school,
            "municipality": municipality,
            "year": year,
            "kind": spec.kind,
            "subject": group.subject,
            "grade": spec.grade,
            "mean_score": _mean(mean) if mean and participants else "",
            **{key: "" if value is None else str(value) for key, value in counts.items()},
        }
        yield index, (line, tuple(values.get(key, "") for key in TEMPLATE_KEYS), tuple(errors)), suspect


def _span(group: Group) -> str:
    """A subject's columns as an error names them: «Химия (T–X)»."""
    positions = sorted(group.columns.values())
    return f"{group.header} ({column_letter(positions[0])}–{column_letter(positions[-1])})"


def _disjoint_problem(counts: dict[str, int | None], group: Group) -> str:
    """The groups of a subject are disjoint parts of its participants: their sum cannot exceed them."""
    participants = counts.get("participants") or 0
    parts = [key for key in counts if key != "participants" and counts[key]]
    total = sum(counts[key] or 0 for key in parts)
    if total > participants:
        named = ", ".join(f"«{group.titles[key]}» ({counts[key]})" for key in parts)
        return (
            f"Сумма {named} — {total} — больше числа участников «{group.titles['participants']}» ({participants}): "
            "это разные участники, их не может быть больше, чем всех."
        )
    return ""


def _mean_problem(counts: dict[str, int | None], mean: str, group: Group) -> str:
    """A mean below what the high scorers and hundreds alone give: scores are not negative, so the mean is at
    least (100 × hundreds + 80 × high scorers) / participants. It catches a column that is not what it says (the
    real Забайкальский 2023 sheet's «получили 100 баллов» for chemistry is a formula =SUM(T:V) of the columns
    before it: 3 «hundreds» of 3 participants with a mean of 56.67)."""
    high, hundred = counts.get("high_scorers") or 0, counts.get("hundred_scorers") or 0
    participants = counts.get("participants") or 0
    if not (high or hundred) or not participants or not mean:
        return ""
    floor = Decimal(100 * hundred + 80 * high) / participants
    value = Decimal(mean.replace(" ", "").replace(",", "."))
    if value + Decimal("0.005") >= floor:  # the mean may be rounded to hundredths
        return ""
    parts = " и ".join(
        f"{count} — «{group.titles[key]}»"
        for key, count in (("hundred_scorers", hundred), ("high_scorers", high))
        if count
    )
    return (
        f"Средний балл {_mean(mean)} меньше возможного: {parts} из {participants} "
        f"{plural(participants, 'участника', 'участников', 'участников')} дают в среднем не "
        f"меньше {floor.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}. Проверьте столбцы предмета."
    )


def _mean(text: str) -> str:
    """73.17525773195877 -> '73.18' (as stored: hundredths, half up)."""
    try:
        value = Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - checked by _DECIMAL before
        return text
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _recover(participants: int, text: str) -> int:
    """A percentage of the participants as a count, as the ФИС ОКО layout does: round(participants × % / 100)."""
    from .fisoko import parse_percent, recover_count

    if not text:
        return 0
    return recover_count(participants, parse_percent(text))
