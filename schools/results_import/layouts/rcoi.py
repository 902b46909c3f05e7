"""The РЦОИ participant export (ГИА-9 / ГИА-11) aggregated into rows of the portal template. Pure: no ORM.

A regional centre of information processing (РЦОИ) hands departments a CSV with one row per participant and exam:
``Код ОУ; Наименование ОУ; Тип ОУ; Муниципальный район; Кластер; Код предмета; Дата экзамена; TestResultB;
TestResultC; Балл; Зачет`` (cp1251, «;», decimal commas; ``core.tabular`` reads every encoding and separator).
No real file is public (issue 19 §3.5 names the columns); the layout follows that list. The portal keeps no row
per pupil: rows are summed per school (``Код ОУ``, the school's РЦОИ code), subject and year, then yielded as
template rows once the file is read. TestResultB / TestResultC (the primary scores of the short-answer and the
extended-answer parts) are not needed for the aggregates and are not read.

How each template value is found (the preview shows it in ``source.report.origins``):

* **Вид (ОГЭ / ЕГЭ)** — the export does not say; in this order:
  1. the value asked on upload (option ``exam``: ОГЭ or ЕГЭ);
  2. a subject code that exists only at ЕГЭ (22 «математика базового уровня», 25 «информатика (КЕГЭ)»);
  3. the «Балл» values: when every «Балл» of the file is a whole number 2–5 the file holds ОГЭ marks (ОГЭ
     exports of many regions carry the mark in «Балл»); a «Балл» above 5 is an ЕГЭ test score (0–100).
  The exam date does not decide: ОГЭ and ЕГЭ main periods overlap (late May – early July), retakes in September.
* **Класс** — from the kind: ОГЭ is ГИА-9 (9), ЕГЭ is ГИА-11 (11).
* **Год** — the year of «Дата экзамена» (day.month.year, year.month.day as РЦОИ protocols write it, ISO).
* **Предмет** — «Код предмета» by the federal table of ГИА subject codes (``SUBJECTS`` below, with sources).
* **Участников** — rows of the school and subject; **Неудовлетворительно** — rows with «Зачет» = 2.
* **«3»/«4»/«5»** — when «Балл» is a mark (ОГЭ; ЕГЭ basic maths, code 22): rows with «Балл» 3, 4, 5; a mark
  «2» must come with «Зачет» = 2 and a mark 3–5 with «Зачет» = 1, otherwise the row is an error.
* **Средний балл** — the mean of «Балл» (a mean mark for marks, a mean test score for ЕГЭ), half up to 0.01.
* **Высокобалльников / 100 баллов** (ЕГЭ test scores only) — «Балл» 80–99 and «Балл» 100.

School codes. A РЦОИ code is a number the centre gives a school; a school's ОГЭ and ЕГЭ codes may differ, and one
school's ОГЭ code may be another's ЕГЭ code. So the code is handed on with the identifier kind it belongs to,
``rcoi_oge:220001`` / ``rcoi_ege:220001`` (``kind_code``, ``schools.identity.with_kind``): the school resolver
(``SchoolDirectory.find``) reads a ``<identifier kind>:`` prefix (``identity.split_kind``) as
``kinds=(<identifier kind>,)`` and names the bare code in its messages.
"""

import re
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import itemgetter

from core.tabular import Column, RowError, TableError, cell_text, file_format, map_header, normalise_header
from schools import identity

from .base import Layout, Row
from .template import TEMPLATE_KEYS, TEMPLATE_LABELS, in_template_order

OGE, EGE = "ОГЭ", "ЕГЭ"
GRADE = {OGE: "9", EGE: "11"}  # ГИА-9 and ГИА-11
# The identifier kinds (schools.models IdentifierKind) of a РЦОИ code, by exam.
IDENTIFIER_KIND = {OGE: identity.RCOI_OGE, EGE: identity.RCOI_EGE}

# The federal table of ГИА subject codes: the «Код предмета» of the exam forms (бланки) and of the federal and
# regional information systems (ФИС ГИА и приёма / РИС), the same numbers at ОГЭ and ЕГЭ.
# Sources (text found and read):
# - ФИС ГИА's own ЕГЭ result database seeds, github Psychodrill/FIS_GIA @ 5fa9992,
#   Ege.Result/Database/Check.Ege/Seeds/000_Subjects_seed.sql: 1 Русский язык, 2 Математика, 3 Физика, 4 Химия,
#   5 Информатика и ИКТ, 6 Биология, 7 История, 8 География, 9 Английский язык, 10 Немецкий язык,
#   11 Французский язык, 12 Обществознание, 13 Испанский язык, 18 Литература; and …/017_ExtensionExams_seed.sql:
#   20 Сочинение, 21 Изложение, 22 Математика базовая, 29 Английский язык (устный), 30 Немецкий язык (устный),
#   31 Французский язык (устный), 33 Испанский язык (устный).
# - РЦОИ result protocols as parsed by a regional tool (its tests quote the protocols' title lines):
#   «01 - Русский язык», «12 - Обществознание», «22 - Математика базовая» (with «Оценка», a mark),
#   «25 - Информатика и ИКТ (КЕГЭ)», English «п:09; у:29» (written 9, oral 29).
# - 14 Китайский язык and 25 Информатика (КЕГЭ) also in the subject list of a results loader
#   (ЕГЭ/ОГЭ/ВПР, `subject_codes` 1–14, 18, 22, 25); 34 Китайский язык (устный) by the series 29–33 — not
#   confirmed from a text (see README «Загрузка данных»).
# Рособрнадзор's «Методические рекомендации по подготовке, проведению и обработке материалов ЕГЭ в РЦОИ»
# (письмо от 12.04.2021 N 10-99) and «Правила заполнения бланков ЕГЭ» (письмо от 31.01.2022 N 04-18) print
# this table; their text of the table could not be retrieved here.
# ЕГЭ profile maths is code 2; at ОГЭ code 2 is the one maths exam. Informatics is code 5 on paper and 25 on
# computers (КЕГЭ, since 2021): one subject for the portal.
SUBJECTS: dict[int, str] = {
    1: "Русский язык",
    2: "Математика",
    3: "Физика",
    4: "Химия",
    5: "Информатика",
    6: "Биология",
    7: "История",
    8: "География",
    9: "Английский язык",
    10: "Немецкий язык",
    11: "Французский язык",
    12: "Обществознание",
    13: "Испанский язык",
    14: "Китайский язык",
    18: "Литература",
    22: "Математика (базовый уровень)",
    25: "Информатика",
    29: "Английский язык (устная часть)",
    30: "Немецкий язык (устная часть)",
    31: "Французский язык (устная часть)",
    33: "Испанский язык (устная часть)",
    34: "Китайский язык (устная часть)",
}
EGE_NAMES = {2: "Математика (профильный уровень)"}  # the same code, the ЕГЭ's name
EGE_ONLY = {22, 25}  # no such ОГЭ exam
SAME_SUBJECT = {25: 5}  # informatics on paper and on computers: one procedure, summed together
MARK_SUBJECTS_EGE = {22}  # ЕГЭ basic maths is marked 2–5, not scored
# Codes of the table that are not ГИА exams: the final essay (допуск к ГИА-11), refused with a reason.
NOT_EXAMS = {20: "итоговое сочинение", 21: "итоговое изложение"}

OPTION = "exam"  # the import option that names the exam when the file cannot tell (ResultsImporter.options)
FAILED = "2"  # «Зачет» = 2: below the minimum (issue 19 §3.5); 1: passed
PASSED = "1"
HIGH_SCORE = 80  # ЕГЭ high scorers: 80–99 (the regional workbooks' «высокобалльники (80-99 баллов)»)
FULL_SCORE = 100

COLUMNS = (
    Column("school", "Код ОУ", aliases=("код оо",)),
    Column("school_name", "Наименование ОУ", aliases=("наименование оо",), required=False),
    Column("school_type", "Тип ОУ", required=False),
    Column("municipality", "Муниципальный район", required=False),
    Column("cluster", "Кластер", required=False),
    Column("subject", "Код предмета"),
    Column("date", "Дата экзамена"),
    Column("part_b", "TestResultB", required=False),
    Column("part_c", "TestResultC", required=False),
    Column("score", "Балл"),
    Column("passed", "Зачет"),  # «Зачёт» too: headers are compared with ё as е
)
LABELS = {column.key: column.label for column in COLUMNS}
# Template key -> what the importer's own messages name: the export's column the value came from.
TEMPLATE_ROW_LABELS = {
    **TEMPLATE_LABELS,
    "school_code": "Код ОУ",
    "year": "Дата экзамена",
    "kind": "Вид экзамена (по файлу)",
    "subject": "Код предмета",
    "grade": "Класс (по виду экзамена)",
    "participants": "Участников (строк школы и предмета)",
    "failed": "Зачет = 2",
    "marks_3": "Балл = 3",
    "marks_4": "Балл = 4",
    "marks_5": "Балл = 5",
    "mean_score": "Балл (среднее)",
    "high_scorers": "Балл 80–99",
    "hundred_scorers": "Балл = 100",
}

_DATE = re.compile(
    r"^(?:(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})|(?P<Y>\d{4})[./-](?P<M>\d{1,2})[./-](?P<D>\d{1,2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s*г\.?)?$"
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
YEARS = range(2000, 2101)  # as Procedure's validators
_SCORE_LIMIT = Decimal(100)
_SCORES = {str(value): value for value in range(FULL_SCORE + 1)}  # «Балл» as a CSV writes it, read at once
BLANK_ROW = ("",) * len(TEMPLATE_KEYS)  # the values of a participant row that has errors


def kind_code(kind: str, code: str) -> str:
    """'ОГЭ', '220001' -> 'rcoi_oge:220001': the code with the identifier kind it belongs to."""
    return identity.with_kind(IDENTIFIER_KIND[kind], code)


def exam_year(text: str) -> int | None:
    """'15.06.2021', '2021.06.15', '2021-06-15 0:00:00' -> 2021; anything else (or no such day) -> None."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    groups = match.groupdict()
    if groups["y"]:
        year, month, day = int(groups["y"]), int(groups["m"]), int(groups["d"])
    else:
        year, month, day = int(groups["Y"]), int(groups["M"]), int(groups["D"])
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1]:
        return None
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return None
    return year if year in YEARS else None


def parse_score(text: str) -> Decimal | int | None:
    """'72' -> 72, '4,0' -> Decimal('4.0'), '72,5' -> Decimal('72.5'); anything else, or outside 0–100 -> None."""
    if text.isdecimal() and len(text) < 4:  # int() of «²» fails, of 5,000 digits too
        value = int(text)
        return value if value <= FULL_SCORE else None
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned or cleaned[0] in "+-":
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not number.is_finite() or number > _SCORE_LIMIT:
        return None
    return int(number) if number == number.to_integral_value() else number


class _Group:
    """One school × subject × year of the file: counts, never pupils."""

    __slots__ = ("line", "participants", "failed", "marks", "total", "high", "hundred", "not_marks", "clash")

    def __init__(self, line: int):
        self.line = line  # the first row of the group: the line an error of the aggregate names
        self.participants = 0
        self.failed = 0
        self.marks = [0, 0, 0, 0, 0, 0]  # rows by «Балл» 2…5 (indices 0, 1 unused)
        self.total: int | Decimal = 0
        self.high = 0
        self.hundred = 0
        self.not_marks = 0  # rows whose «Балл» is not a whole 2–5
        self.clash: list[int] = []  # rows whose mark (if «Балл» is one) contradicts «Зачет»


_WRONG = _Group(0)  # the group of rows whose school, subject or date is wrong: never summed


class Aggregate:
    """What a pass over the export found: groups and the facts the kind is decided from."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, int, int], _Group] = {}
        self.ege_only: int | None = None  # the first ЕГЭ-only subject code seen
        self.not_marks = 0
        self.rows = 0


def aggregate(
    rows: Iterable[list],
    positions: dict[str, int],
    first_line: int,
    aggregate: Aggregate,
    *,
    typed: bool = False,
) -> Iterator[tuple[RowError, ...]]:
    """Sum the participant rows into ``aggregate``; yield each wrong row's errors as found.

    ``rows`` are the rows under the header as the reader gives them (text from a CSV; typed cells from an .xlsx,
    ``typed``), the first of them at ``first_line``. The hot loop of a 100,000-participant export: a row costs
    one dict look-up of its (school, subject, date) text, which thousands of rows share, and one of its score.
    """
    pick = itemgetter(
        positions["school"], positions["subject"], positions["date"], positions["score"], positions["passed"]
    )
    width = max(positions.values()) + 1
    by_text: dict[tuple[str, str, str], _Group] = {}  # raw cells -> their group, _WRONG when one is wrong
    scores = _SCORES
    line = first_line - 1
    count = 0
    for raw in rows:
        line += 1
        if len(raw) < width:
            raw = [*raw, *[""] * (width - len(raw))]
        cells = pick(raw)
        if typed:
            cells = tuple(map(cell_text, cells))
        school, subject_text, date_text, score_text, passed = cells
        if not (school or subject_text or date_text or score_text or passed) and not any(map(cell_text, raw)):
            continue  # an empty line
        count += 1
        group = by_text.get((school, subject_text, date_text))
        if group is None:
            group = _group_of(aggregate, school, subject_text, date_text, line)
            by_text[(school, subject_text, date_text)] = group
        score: int | Decimal | None = scores.get(score_text)
        if score is None:
            score = parse_score(score_text.strip())
        if passed != FAILED and passed != PASSED:
            passed = passed.strip()
        if group is _WRONG or score is None or (passed != FAILED and passed != PASSED):
            yield _row_errors(
                line,
                school.strip(),
                subject_text,
                _subject_code(subject_text),
                date_text,
                exam_year(date_text),
                score_text,
                score,
                passed,
            )
            continue
        if not group.participants:
            group.line = line  # a group may be met first on a wrong row: its line is its first good one
        group.participants += 1
        failed = passed == FAILED
        if failed:
            group.failed += 1
        group.total += score
        if 2 <= score <= 5 and isinstance(score, int):
            group.marks[score] += 1
            if failed != (score == 2) and len(group.clash) < 3:
                group.clash.append(line)
        else:
            group.not_marks += 1
            aggregate.not_marks += 1
        if score >= HIGH_SCORE:
            if score == FULL_SCORE:
                group.hundred += 1
            else:
                group.high += 1
    aggregate.rows = count


def _group_of(aggregate: Aggregate, school: str, subject_text: str, date_text: str, line: int) -> _Group:
    """The group of a (school, subject, date) as written; _WRONG when one of them is wrong. Spellings of one
    school, subject and year («7» and « 7», informatics 5 and 25, two exam days) share the group."""
    school = school.strip()
    subject = _subject_code(subject_text)
    year = exam_year(date_text)
    if not school or subject is None or subject not in SUBJECTS or year is None:
        return _WRONG
    if subject in EGE_ONLY and aggregate.ege_only is None:
        aggregate.ege_only = subject
    key = (school, SAME_SUBJECT.get(subject, subject), year)
    group = aggregate.groups.get(key)
    if group is None:
        group = aggregate.groups[key] = _Group(line)
    return group


def _subject_code(text: str) -> int | None:
    cleaned = text.strip()
    if cleaned.endswith((",0", ".0")):
        cleaned = cleaned[:-2]
    return int(cleaned) if cleaned.isdecimal() and len(cleaned) <= 4 else None


def _row_errors(
    line: int,
    school: str,
    subject_text: str,
    subject: int | None,
    date_text: str,
    year: int | None,
    score_text: str,
    score,
    passed: str,
) -> tuple[RowError, ...]:
    errors = []
    if not school:
        errors.append(RowError(line, LABELS["school"], "Обязательное поле не заполнено."))
    if subject is None or subject not in SUBJECTS:
        errors.append(RowError(line, LABELS["subject"], subject_problem(subject_text, subject)))
    if year is None:
        errors.append(
            RowError(
                line,
                LABELS["date"],
                f"Ожидается дата экзамена (например, 15.06.2024) с годом от 2000 до 2100, указано «{date_text.strip()[:40]}»."
                if date_text.strip()
                else "Обязательное поле не заполнено.",
            )
        )
    if score is None or score > FULL_SCORE:
        errors.append(
            RowError(
                line,
                LABELS["score"],
                f"Ожидается балл от 0 до 100 (отметка 2–5 для ОГЭ), указано «{score_text.strip()[:40]}»."
                if score_text.strip()
                else "Обязательное поле не заполнено: у участника нет результата.",
            )
        )
    if passed != FAILED and passed != PASSED:
        errors.append(
            RowError(
                line,
                LABELS["passed"],
                f"Ожидается 1 (минимальный порог преодолён) или 2 (ниже минимального порога), указано «{passed[:40]}»."
                if passed
                else "Обязательное поле не заполнено.",
            )
        )
    return tuple(errors)


def subject_problem(text: str, code: int | None) -> str:
    """Why a «Код предмета» cannot be read: not a number, a code out of the table, or the final essay."""
    if not text.strip():
        return "Обязательное поле не заполнено."
    if code is None:
        return f"Ожидается код предмета ГИА (число), указано «{text.strip()[:40]}»."
    if code in NOT_EXAMS:
        return f"Код предмета {code} — {NOT_EXAMS[code]}, а не экзамен ГИА: такие строки не загружаются как результаты."
    known = ", ".join(f"{number} — {name}" for number, name in sorted(SUBJECTS.items()))
    return f"Неизвестный код предмета {code}: его нет в федеральной таблице кодов предметов ГИА ({known})."


def asked_kind(text: str) -> str:
    """The exam asked on upload: '' (not asked), ОГЭ or ЕГЭ; anything else is an error of the upload."""
    asked = normalise_header(text or "").upper()
    if asked and asked not in (OGE, EGE):
        raise TableError(f"Экзамен выгрузки РЦОИ — ОГЭ или ЕГЭ, при загрузке указано «{str(text)[:40]}».")
    return asked


def decide_kind(aggregate: Aggregate, asked: str) -> tuple[str, str]:
    """(ОГЭ or ЕГЭ, where that came from) — see the module's docstring for the order."""
    asked = asked_kind(asked)
    if asked:
        return asked, f"указан при загрузке: {asked}"
    if aggregate.ege_only is not None:
        return EGE, (
            f"ЕГЭ: в файле есть код предмета {aggregate.ege_only} ({SUBJECTS[aggregate.ege_only]}) — "
            "такой экзамен есть только в ЕГЭ"
        )
    if aggregate.not_marks:
        return EGE, "ЕГЭ: в столбце «Балл» есть значения больше 5 — это тестовые баллы ЕГЭ (0–100)"
    return OGE, "ОГЭ: все значения в столбце «Балл» — отметки от 2 до 5"


def template_rows(
    aggregate: Aggregate, kind: str
) -> Iterator[tuple[int, dict[str, str], tuple[RowError, ...]]]:
    """The groups as template rows (line, values by key, errors), by school, subject and year."""
    grade = GRADE[kind]
    for (school, subject, year), group in sorted(aggregate.groups.items(), key=lambda item: item[1].line):
        if not group.participants:
            continue  # every row of it was wrong (and said so)
        name = EGE_NAMES.get(subject, SUBJECTS[subject]) if kind == EGE else SUBJECTS[subject]
        marked = kind == OGE or subject in MARK_SUBJECTS_EGE
        values = {
            "school_code": kind_code(kind, school),
            "year": str(year),
            "kind": kind,
            "subject": name,
            "grade": grade,
            "participants": str(group.participants),
            "failed": str(group.failed),
            "mean_score": _mean(group.total, group.participants),
        }
        errors: tuple[RowError, ...] = ()
        if marked and not group.not_marks:
            values["marks_3"], values["marks_4"], values["marks_5"] = (str(n) for n in group.marks[3:6])
            if group.clash:
                errors = tuple(
                    RowError(
                        line,
                        LABELS["passed"],
                        "Отметка в столбце «Балл» не согласуется с «Зачет»: при отметке «2» должно быть 2, "
                        "при отметках 3–5 — 1.",
                    )
                    for line in group.clash
                )
        elif kind == EGE and not marked:
            values["high_scorers"] = str(group.high)
            values["hundred_scorers"] = str(group.hundred)
        yield group.line, values, errors


def _mean(total: int | Decimal, count: int) -> str:
    mean = (Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(mean).replace(".", ",")


# --- the layout ---------------------------------------------------------------------------------------------


def _typed(name: str) -> bool:
    """A CSV reader gives text; any other reader (.xlsx, .xls) typed cells (numbers, dates, None)."""
    try:
        return file_format(name) != "csv"
    except TableError:
        return True


def recognises(header: list[str], texts: list[list[str]]) -> bool:
    names = {normalise_header(cell) for cell in header}
    if "код предмета" not in names or "зачет" not in names:
        return False
    try:
        map_header(header, COLUMNS)
    except TableError:
        return False
    return True


def read(rows: Iterator[list], source, options: dict) -> Iterator[Row]:
    """Template rows of the export: the rows' errors first, then one row per school, subject and year."""
    report = getattr(source, "report", None)
    line = 0
    header = None
    for raw in rows:
        line += 1
        cells = [cell_text(value) for value in raw]
        if any(cells):
            header = cells
            break
    if header is None:
        raise TableError("Файл пуст: нет строки заголовка.")
    positions = map_header(header, COLUMNS)
    asked = asked_kind(options.get(OPTION) or "")
    summed = Aggregate()
    typed = _typed(source if isinstance(source, str) else getattr(source, "file_name", ""))
    for errors in aggregate(rows, positions, line + 1, summed, typed=typed):
        yield errors[0].row, BLANK_ROW, errors
    kind, kind_origin = decide_kind(summed, asked)
    if report is not None:
        report.layout = LAYOUT.name
        report.header_row = line
        report.columns = {label: header[positions[key]] for key, label in USED.items()}
        report.origins = {
            "Вид": kind_origin,
            "Класс": f"по виду экзамена: {kind} — {GRADE[kind]} класс",
            "Год": "из столбца «Дата экзамена» (год даты)",
            "Предмет": "из столбца «Код предмета» по федеральной таблице кодов предметов ГИА",
            "Участники и «2»": "строки участников школы и предмета; «2» (ниже минимума) — строки с «Зачет» = 2",
        }
        if summed.not_marks and kind == OGE:
            report.origins["Отметки"] = (
                "в столбце «Балл» не отметки 2–5 (первичные баллы?): «3», «4», «5» не заполняются, "
                "средний балл — среднее значение «Балл»"
            )
        report.rows = summed.rows
        report.results = sum(1 for group in summed.groups.values() if group.participants)
    yield from in_template_order(template_rows(summed, kind))


# The export's columns read, by what they became (the preview's «which column became which field»).
USED = {
    "school": "Код ОО (код РЦОИ школы)",
    "subject": "Предмет (код предмета ГИА)",
    "date": "Год (год даты экзамена)",
    "score": "Средний балл; «3», «4», «5» — если «Балл» — отметка",
    "passed": "Неудовлетворительно («Зачет» = 2)",
}

LAYOUT = Layout(
    name="Выгрузка РЦОИ (участники ГИА)",
    recognises=recognises,
    read=read,
    labels=TEMPLATE_ROW_LABELS,
)
