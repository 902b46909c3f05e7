"""ВПР participant protocols from ФИС ОКО: one row per pupil, turned into one template row per school.

A protocol holds each pupil's primary score («всего баллов» / «Итого баллов») and the previous term's mark —
not the ВПР mark. The mark comes from the conversion scale of the work's year, subject and grade (ФИОКО's
«Рекомендации по переводу первичных баллов в отметки по пятибалльной шкале»), which the importer hands over in
``options[SCALES_OPTION]`` (reference data, schools.models.VprScale); a protocol whose scale is missing is refused
with a message naming it. Per school the layout keeps the participants, marks «2»…«5» (the failed are «2»), the
mean mark, the distribution of primary scores and how ВПР marks compare with the term marks (понизили /
подтвердили / повысили / нет отметки) — no row per pupil. The primary score is ФИС ОКО's own total; the sum of
the pupil's task marks only checks it, and stands in for it where the total is empty or above the scale's maximum
(the sum within it). Every total that differs from the sum, is restored or replaced, and every task mark above its
header's maximum, is counted in the sheet's report (see read_marks, tally, checked_totals).

Three layouts, as ФИС ОКО exported them:

- 2020: ``groups, user, id, code, otc, gender, klass, var-1, var-2, sum, a-1-grade…`` (``user`` the school's
  login, ``otc`` the term mark, ``var-1`` the variant or «отсутствовал»);
- 2021: «логин школы, регион, номер обучающегося, код обучающегося, отметка за предыдущую четверть/триместр, пол,
  класс, вариант, всего баллов, балл за 1…»;
- 2022: sheets «Классы» (the classes and their textbooks: no results, skipped and said so) and «Протокол»
  («Пользователь, Код региона, Регион, Муниципалитет, Школа, Дата загрузки, Код, Вариант, 1 (1б), 2 (2б)…,
  Наименование класса, Пол, Отметка за предыдущий триместр/ четверть/полугодие, Итого баллов»).

The files name neither the year, nor the subject, nor the grade in their cells (the 2022 protocol only the upload
date): they come from the import's options, else from the 2022 upload date (the year), else from the file's name
as ФИС ОКО gives it («Проведение работы по математике, 5 класс. ВПР 2021.xlsx»); where each came from is told in
the sheet's report. Pure: no ORM.
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from core.plural import plural
from core.tabular import RowError, TableError, cell_text, normalise_header
from schools.subjects import normalise_subject

from .base import Layout, Row, Source
from .template import TEMPLATE_LABELS, in_template_order

KIND = "ВПР"
SCALES_OPTION = "vpr_scales"  # options key: {(year, subject key, grade): Scale}, loaded by the importer
DETAILS_KEY = "vpr_details"  # the template column that carries a school's distribution and term comparison
ABSENT = "отсутствовал"  # the variant cell of a pupil who did not write the work
NO_MARK = ("", "нет отметки", "нет", "0", "-")  # the term-mark cells that mean «no mark»
TERM_MARKS = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
# The variant cell of a work ФИС ОКО did not score. Decided from the real 2021 protocol of Altai (5 кл.,
# математика), row 14927, the only such row among 26,139: variant «0», «всего баллов» empty — yet the pupil has a
# term mark, a gender, a class and a mark per task (0/1, «X», «H»), where the absent pupils around it (row 14932)
# have «отсутствовал» and nothing else. So the pupil wrote, but no variant was entered and ФИС ОКО computed no
# primary score (the variants are 1, 2, …). Such a work is neither a participant (no score, no ВПР mark) nor absent:
# it is left out of the counts and listed in the sheet's report («Не учтены»), never dropped silently.
NO_VARIANT = "0"
MAX_SCORE = 1000  # a primary score beyond any ВПР's maximum is a typo, not a pupil (ВПР maxima are 10–60)

# --- the task marks ----------------------------------------------------------------------------------------
# The protocol carries each task's mark beside the total («a-N-grade» 2020, «балл за N» 2021, «N (Mб)» 2022 with
# the task's maximum M). The file's total is the pupil's primary score and the sum of the task marks checks it: it
# is not always their plain sum (the 2022 history protocol, 11 кл., counts criteria like «10К2» under conditions),
# but it is missing or out of range in a few rows where the marks are not: the Altai 5 кл. математика protocols
# (read in full) — 2020: of 22,057 totals 22,041 equal the sum of the «a-N-grade» cells (so those are marks, not
# flags), rows 1704 and 1803 have marks but no «sum»; 2021: of 23,705 totals 23,697 equal the sum, row 24901 says 21
# (the scale's maximum is 20) where its marks add up to 14. In the rows that agree, «X» (not attempted), «H» and
# «не пройд.» (topic not yet taught) count 0 — ФИС ОКО's own sums count them so. An empty task cell among marks
# is a mark not entered, not a 0: in 2020 the ten rows with such gaps that disagree have a total above the sum by
# at most the gaps' maxima (row 1801: 16 in the file, 11 by tasks, 4 gaps). Such a row's score is unknown.
ZERO_MARKS = frozenset({"x", "х", "h", "н", "не пройд.", "не пройд", "не пройдено"})
_TASK_2020 = re.compile(r"^a-\d+-grade$")
_TASK_2021 = re.compile(r"^балл за \d+$")
_TASK_MAXIMUM = re.compile(r"\((\d+)\s*б\)$")


@dataclass(frozen=True)
class Task:
    """A task's column: its header as written and, in 2022, its maximum from the header («3 (2б)» -> 2)."""

    label: str
    maximum: int | None = None


@dataclass(frozen=True)
class TaskMarks:
    """What a row's task cells say: the sum when every task of the work has a readable mark."""

    given: bool = False  # any task cell is filled
    total: int | None = None  # the sum of the marks, when they can be summed
    problem: str = ""  # why they cannot ('' when they can, or when none is given)
    incomplete: bool = False  # the only problem is a task left empty (a mark not entered)
    over: str = ""  # the first mark above its header's maximum (2022: «12 (1б)» = 2), counted in the sum
    column: str = ""  # the column of that mark


def task_columns(header: list[str]) -> list[tuple[int, Task]]:
    """The task columns of a protocol's header with their positions, in order (2020, 2021 or 2022 naming)."""
    tasks = []
    for index, cell in enumerate(header):
        name = normalise_header(cell)
        if _TASK_2020.match(name) or _TASK_2021.match(name):
            tasks.append((index, Task(cell)))
        elif _TASK_2022.match(name):
            found = _TASK_MAXIMUM.search(name)
            tasks.append((index, Task(cell, int(found.group(1)) if found else None)))
    return tasks


def work_tasks(rows: list[tuple[str, ...]]) -> frozenset[int]:
    """The task columns that belong to the work: filled in more than half of the rows carrying any mark. The 2020
    export has 39 «a-N-grade» columns for a 16-task work; «a-18-grade» is filled in 17 rows of 22,000."""
    filled = [row for row in rows if any(row)]
    width = max((len(row) for row in filled), default=0)
    return frozenset(
        index
        for index in range(width)
        if 2 * sum(1 for row in filled if index < len(row) and row[index]) > len(filled)
    )


def read_marks(cells: tuple[str, ...], tasks: list[Task], work: frozenset[int]) -> TaskMarks:
    """A row's task marks summed: non-negative integers, «X»/«H»/«не пройд.» as 0. A cell that is none of these
    makes the marks unreadable; an empty task of the work makes them incomplete; the first mark above the maximum
    its header gives is named (``over``, ``column``) and counted in the sum — whether that matters is tally's."""
    if not any(cells):
        return TaskMarks()
    total = 0
    gaps = []
    over = column = ""
    for index, task in enumerate(tasks):
        text = cells[index].strip() if index < len(cells) else ""
        if not text:
            if index in work:
                gaps.append(task.label)
            continue
        if normalise_header(text) in ZERO_MARKS:
            continue
        if not text.isdecimal():
            return TaskMarks(
                given=True,
                problem=f"балл за задание «{task.label}» не прочитан: «{text[:20]}»",
                over=over,
                column=column,
            )
        mark = int(text)
        if task.maximum is not None and mark > task.maximum and not over:
            over, column = f"балл {mark} при максимуме {task.maximum}", task.label
        total += mark
    if gaps:
        shown = ", ".join(f"«{label}»" for label in gaps[:5]) + (" …" if len(gaps) > 5 else "")
        return TaskMarks(
            given=True,
            problem=f"не выставлены баллы за задания {shown}",
            incomplete=True,
            over=over,
            column=column,
        )
    return TaskMarks(given=True, total=total, over=over, column=column)


@dataclass(frozen=True)
class Scale:
    """A conversion scale: the lowest primary score of «3», «4» and «5», and the work's maximum score."""

    three: int
    four: int
    five: int
    max_score: int
    title: str = ""  # «ВПР 2021, Математика, 5 класс», for messages

    def mark(self, score: int) -> int:
        if score >= self.five:
            return 5
        if score >= self.four:
            return 4
        if score >= self.three:
            return 3
        return 2


def scale_key(year: int, subject: str, grade: int) -> tuple[int, str, int]:
    """The scales' key: subject names compare as schools.subjects.normalise_subject does (VprScale.subject_key)."""
    return year, normalise_subject(subject), grade


def scale_problem(three: int, four: int, five: int, max_score: int) -> str:
    """Why these bounds are not a scale ('' when they are): 0 < «3» < «4» < «5» ≤ maximum."""
    if not 0 < three < four < five <= max_score:
        return (
            f"Границы шкалы должны возрастать: 0 < «3» ({three}) < «4» ({four}) < «5» ({five}) ≤ "
            f"максимального балла ({max_score})."
        )
    return ""


# --- the three header shapes -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    name: str
    login: str  # the school's login column
    variant: str  # the variant, or «отсутствовал»
    total: str  # the primary score
    term_prefix: str  # the term mark's column starts with this
    required: tuple[str, ...]  # header cells (normalised) that identify the shape
    date: str = ""  # the 2022 upload date


SHAPE_2020 = Shape(
    name="ВПР: протокол участников ФИС ОКО (2020)",
    login="user",
    variant="var-1",
    total="sum",
    term_prefix="otc",
    required=("user", "code", "otc", "var-1", "sum"),
)
SHAPE_2021 = Shape(
    name="ВПР: протокол участников ФИС ОКО (2021)",
    login="логин школы",
    variant="вариант",
    total="всего баллов",
    term_prefix="отметка за предыдущ",
    required=("логин школы", "код обучающегося", "вариант", "всего баллов"),
)
SHAPE_2022 = Shape(
    name="ВПР: протокол участников ФИС ОКО (2022)",
    login="пользователь",
    variant="вариант",
    total="итого баллов",
    term_prefix="отметка за предыдущ",
    required=("пользователь", "школа", "код", "вариант", "итого баллов"),
    date="дата загрузки",
)
# The 2022 workbook's other sheet: its classes and textbooks, no pupils.
CLASSES_REQUIRED = ("пользователь", "школа", "дата загрузки")
CLASSES_MARK = "буква (цифра) класса"
_TASK_2022 = re.compile(r"^\d+(?:\.\d+|к\d+)?\s*\(\d+\s*б\)$")  # «1 (1б)», «11.2 (1б)», «10к1 (1б)»


def _names(header: list[str]) -> list[str]:
    return [normalise_header(cell) for cell in header]


def _has(names: list[str], shape: Shape) -> bool:
    return all(name in names for name in shape.required) and any(
        name.startswith(shape.term_prefix) for name in names
    )


def _is_classes_sheet(names: list[str]) -> bool:
    return (
        all(name in names for name in CLASSES_REQUIRED)
        and any(name.startswith(CLASSES_MARK) for name in names)
        and "итого баллов" not in names
    )


def _recognises_2020(header: list[str], texts: list[list[str]]) -> bool:
    names = _names(header)
    return _has(names, SHAPE_2020) and "a-1-grade" in names


def _recognises_2021(header: list[str], texts: list[list[str]]) -> bool:
    names = _names(header)
    return _has(names, SHAPE_2021) and "балл за 1" in names


def _recognises_2022(header: list[str], texts: list[list[str]]) -> bool:
    names = _names(header)
    return _is_classes_sheet(names) or (
        _has(names, SHAPE_2022) and any(_TASK_2022.match(name) for name in names)
    )


def _skip_2022(texts: list[list[str]], source: Source) -> str | None:
    header = next((cells for cells in texts if any(cells)), [])
    if _is_classes_sheet(_names(header)):
        return "лист «Классы» протокола ВПР: классы и учебники, не результаты"
    return None


# --- year, subject and grade -----------------------------------------------------------------------------
# Subjects as the names of ФИС ОКО's protocol files give them («Проведение работы по математике, 5 класс»):
# stem -> the subject's name in the portal.
SUBJECT_STEMS = (
    ("математик", "Математика"),
    ("русск", "Русский язык"),
    ("истори", "История"),
    ("обществозн", "Обществознание"),
    ("биолог", "Биология"),
    ("географ", "География"),
    ("физик", "Физика"),
    ("хими", "Химия"),
    ("окружающ", "Окружающий мир"),
    ("английск", "Английский язык"),
    ("немецк", "Немецкий язык"),
    ("французск", "Французский язык"),
    ("литератур", "Литература"),
    ("информатик", "Информатика"),
)
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_GRADE_IN_NAME = re.compile(r"(?<!\d)(\d{1,2})\s*(?:-?й\s*)?(?:класс|кл\b|кл\.)", re.IGNORECASE)
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})")
LAST_SPRING_MONTH = 8  # a work uploaded January–August is of the school year ending that calendar year


@dataclass
class Work:
    """The work a protocol is of, and where each part came from (for the sheet's report)."""

    year: int | None = None
    subject: str = ""
    grade: int | None = None
    origins: dict[str, str] = field(default_factory=dict)


def work_from(options: dict, file_name: str, upload_date: str = "") -> Work:
    """Year, subject and grade: the import's options, else the 2022 upload date (year), else the file's name."""
    work = Work()
    base = re.sub(r"\.[A-Za-z0-9]{2,4}$", "", file_name.rsplit("/", 1)[-1])
    if options.get("year"):
        work.year, work.origins["Год"] = int(options["year"]), "из параметра загрузки «Год»"
    else:
        parsed = _date(upload_date)
        if parsed is not None and parsed.month <= LAST_SPRING_MONTH:
            work.year = parsed.year
            work.origins["Год"] = f"из столбца «Дата загрузки»: {upload_date}"
        elif parsed is None:
            years = set(_YEAR_IN_NAME.findall(base))
            if len(years) == 1:
                work.year = int(years.pop())
                work.origins["Год"] = f"из названия файла «{base}»"
    if options.get("subject"):
        work.subject, work.origins["Предмет"] = (
            str(options["subject"]).strip(),
            "из параметра загрузки «Предмет»",
        )
    else:
        lowered = base.lower().replace("ё", "е")
        found = {name for stem, name in SUBJECT_STEMS if stem in lowered}
        if len(found) == 1:
            work.subject = found.pop()
            work.origins["Предмет"] = f"из названия файла «{base}»"
    if options.get("grade"):
        work.grade, work.origins["Класс"] = int(options["grade"]), "из параметра загрузки «Класс»"
    else:
        grades = set(_GRADE_IN_NAME.findall(base))
        if len(grades) == 1:
            work.grade = int(grades.pop())
            work.origins["Класс"] = f"из названия файла «{base}»"
    return work


def _date(text: str) -> date | None:
    match = _DATE.match(text.strip())
    if match is None:
        match_iso = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text.strip())
        if match_iso is None:
            return None
        year, month, day = (int(part) for part in match_iso.groups())
    else:
        day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def missing_work(work: Work, upload_date: str = "") -> str:
    """The Russian message for a protocol whose year, subject or grade is unknown ('' when all are known)."""
    missing = [
        label
        for label, value in (("год", work.year), ("предмет", work.subject), ("класс", work.grade))
        if not value
    ]
    if not missing:
        return ""
    autumn = ""
    if not work.year and _date(upload_date) is not None:
        autumn = (
            f" Дата загрузки {upload_date} — осень: осенние ВПР пишут по материалам прошлого года, "
            "год по дате не определить."
        )
    return (
        f"В протоколе ВПР не указаны {', '.join(missing)}: их нет ни в ячейках, ни в названии файла.{autumn} "
        "Укажите их в параметрах загрузки (Год, Класс, Предмет)."
    )


# --- reading ---------------------------------------------------------------------------------------------
@dataclass
class SchoolTally:
    """One school's pupils, counted: no pupil is kept."""

    line: int  # the school's first row, for messages
    marks: list[int]  # [«2», «3», «4», «5»]
    scores: list[int]  # pupils by primary score 0…max
    term: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # lower, same, higher, no term mark
    absent: int = 0
    unscored: list[int] = field(default_factory=list)  # lines of works ФИС ОКО did not score (see NO_VARIANT)
    restored: list[tuple[int, int]] = field(
        default_factory=list
    )  # (line, sum of tasks): no total in the file
    # (line, file's total, sum of tasks): the total above the scale's maximum, the sum taken
    replaced: list[tuple[int, int, int]] = field(default_factory=list)
    # (line, file's total, sum of tasks): the total kept though the sum differs
    disagreed: list[tuple[int, int, int]] = field(default_factory=list)
    over: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (line, column, mark): above the header's max
    unchecked: list[int] = field(
        default_factory=list
    )  # lines whose total could not be checked: marks unreadable
    unknown: list[int] = field(default_factory=list)  # lines with no total and incomplete marks: not counted

    @property
    def participants(self) -> int:
        return sum(self.marks)

    def mean_mark(self) -> str:
        if not self.participants:
            return ""
        total = 2 * self.marks[0] + 3 * self.marks[1] + 4 * self.marks[2] + 5 * self.marks[3]
        return f"{total / self.participants:.2f}"

    def details(self) -> str:
        return json.dumps(
            {
                "scores": self.scores,
                "lower": self.term[0],
                "same": self.term[1],
                "higher": self.term[2],
                "no_term": self.term[3],
                "absent": self.absent,
            },
            separators=(",", ":"),
        )


def tally(
    pupils: Iterator[tuple[int, str, str, str, str, tuple[str, ...]]],
    scale: Scale,
    labels: dict[str, str],
    sheet: str = "",
    tasks: list[Task] | None = None,
) -> tuple[dict[str, SchoolTally], list[RowError], int]:
    """Count pupils (line, login, variant, score, term mark, task marks — as text) per school by the scale; the
    score is the file's total, the sum of the task marks (see read_marks) where the total is empty, or above the
    scale's maximum while the sum is within it.

    Returns the schools by login (lower case, in the order first seen), the rows' errors and the pupils read.
    """
    schools: dict[str, SchoolTally] = {}
    errors: list[RowError] = []
    read = 0
    size = scale.max_score + 1
    tasks = tasks or []
    rows = list(pupils)
    work = work_tasks([row[5] for row in rows]) if tasks else frozenset()
    for line, login, variant, score_text, term_text, cells in rows:
        if not (login or variant or score_text or term_text):
            continue  # an empty row
        read += 1
        key = login.strip().lower()
        if not key:
            errors.append(RowError(line, labels["login"], "Не указан логин школы.", sheet))
            continue
        school = schools.get(key)
        if school is None:
            school = schools[key] = SchoolTally(line=line, marks=[0, 0, 0, 0], scores=[0] * size)
        score_text = score_text.strip()
        # «отсутствовал», or a pupil's line with nothing written in it (no variant, score or term mark: the 2020
        # export has such lines): the pupil did not write the work.
        variant = variant.strip()
        absent = variant and not variant.isdigit() and normalise_header(variant) == ABSENT
        if absent or not (variant or score_text or term_text.strip()):
            school.absent += 1
            continue
        if variant == NO_VARIANT and not score_text:
            school.unscored.append(line)
            continue
        marks = read_marks(cells, tasks, work) if cells else TaskMarks()
        if not score_text and marks.total is None and marks.incomplete:
            school.unknown.append(line)  # wrote, but neither the file nor the marks give the score
            continue
        if (score_text or marks.total is None) and (
            not score_text.isdecimal() or int(score_text) > MAX_SCORE
        ):
            message = (
                "Не указан первичный балл участника (а в столбце варианта не «отсутствовал»)"
                + (f"; {marks.problem}." if marks.problem else ".")
                if not score_text
                else f"Ожидается первичный балл — целое число от 0, указано «{score_text[:40]}»."
            )
            errors.append(RowError(line, labels["total"], message, sheet))
            continue
        in_file = int(score_text) if score_text else None
        # ФИС ОКО's total is the score; the task marks only check it. The real 2022 protocol (11 кл., история,
        # Altai) scores criteria such as «10К2» only under conditions: its «Итого баллов» differs from the plain sum
        # in about a fifth of the rows, and 43 rows have «12 (1б)» = 2 — a total that counts what it must. The
        # sum stands in only where the total is missing (the real 2020 row 1803) or above the scale's maximum
        # while the sum is within it (the real 2021 row 24901: «всего баллов» 21, the maximum 20 — the sum of the
        # task maxima in ФИОКО's description of that work, tasks 1–16: 1,1,1,1,1,2,1,1,2,2,1,1,1,1,1,2 — marks
        # adding up to 14).
        if in_file is None:
            if marks.over:  # the sum would be the score, and one of its marks is impossible
                errors.append(
                    RowError(
                        line,
                        marks.column,
                        f"Балл за задание больше максимального, указанного в заголовке ({marks.over}), а "
                        f"«{labels['total']}» пуст: первичный балл не определить.",
                        sheet,
                    )
                )
                continue
            score = marks.total
        elif in_file > scale.max_score and marks.total is not None and not marks.over:
            score = marks.total
        else:
            score = in_file
        assert score is not None  # noqa: S101  (checked above)
        if score > scale.max_score:
            origin = "Сумма баллов за задания" if in_file is None else "Первичный балл"
            errors.append(
                RowError(
                    line,
                    labels["total"],
                    f"{origin} {score} больше максимального ({scale.max_score}) по шкале «{scale.title}».",
                    sheet,
                )
            )
            continue
        term = TERM_MARKS.get(term_text.strip())
        if term is None and normalise_header(term_text) not in NO_MARK:
            errors.append(
                RowError(
                    line,
                    labels["term"],
                    f"Ожидается отметка 2–5 или «нет отметки», указано «{term_text.strip()[:40]}».",
                    sheet,
                )
            )
            continue
        if in_file is None:
            school.restored.append((line, score))
        elif score != in_file:
            school.replaced.append((line, in_file, score))
        elif marks.total is not None and marks.total != in_file:
            school.disagreed.append((line, in_file, marks.total))
        elif marks.problem:
            school.unchecked.append(line)
        if marks.over:
            school.over.append((line, marks.column, marks.over))
        mark = scale.mark(score)
        school.marks[mark - 2] += 1
        school.scores[score] += 1
        if term is None:
            school.term[3] += 1
        elif mark < term:
            school.term[0] += 1
        elif mark == term:
            school.term[1] += 1
        else:
            school.term[2] += 1
    return schools, errors, read


def _read(shape: Shape, rows: Iterator[list], source: Source, options: dict) -> Iterator[Row]:
    report = source.report
    sheet = source.sheet or ""
    line = 0
    header: list[str] | None = None
    for raw in rows:
        line += 1
        cells = [cell_text(value) for value in raw]
        if any(cells):
            header = cells
            break
    if header is None:
        raise TableError("Лист пуст: нет строки заголовка.")
    names = _names(header)
    if _is_classes_sheet(names):
        raise TableError(
            "Лист «Классы» протокола ВПР — классы и учебники, не результаты: результаты на листе «Протокол»."
        )
    place = {
        "login": _place(names, header, shape.login),
        "variant": _place(names, header, shape.variant),
        "total": _place(names, header, shape.total),
        "term": _place(names, header, shape.term_prefix, prefix=True),
    }
    labels = {key: header[index] for key, index in place.items()}
    report.header_row = line
    report.columns = {
        "Код ОО (логин ФИС ОКО)": labels["login"],
        "Отсутствовал (вариант)": labels["variant"],
        "Первичный балл": labels["total"],
        "Отметка за предыдущий период": labels["term"],
    }
    date_at = names.index(shape.date) if shape.date and shape.date in names else None
    columns = task_columns(header)
    tasks = [task for _index, task in columns]
    task_at = [index for index, _task in columns]
    width = max([*place.values(), *task_at]) + 1
    first = list(_pupils(rows, line, place, width, date_at, task_at))
    upload_date = next((row[5] for row in first if row[5]), "")
    work = work_from(options, source.file_name, upload_date)
    problem = missing_work(work, upload_date)
    if problem:
        raise TableError(problem)
    assert work.year is not None and work.grade is not None  # noqa: S101  (missing_work checked them)
    report.origins.update(work.origins)
    scales = options.get(SCALES_OPTION) or {}
    scale = scales.get(scale_key(work.year, work.subject, work.grade))
    if scale is None:
        raise TableError(
            f"Нет шкалы перевода первичных баллов в отметки для ВПР {work.year}, «{work.subject}», "
            f"{work.grade} класс: протокол не загружен. Добавьте шкалу в справочник «Шкалы перевода ВПР» "
            "(по рекомендациям ФИОКО этого года) и загрузите файл снова."
        )
    report.origins["Шкала"] = (
        f"«{scale.title}»: «3» от {scale.three}, «4» от {scale.four}, «5» от {scale.five}"
    )
    schools, errors, read = tally(
        (
            (number, login, variant, total, term, cells)
            for number, login, variant, total, term, _date, cells in first
        ),
        scale,
        labels,
        sheet,
        tasks,
    )
    report.rows = read
    unscored = sorted(line for school in schools.values() for line in school.unscored)
    if unscored:
        shown = ", ".join(str(line) for line in unscored[:20]) + (" …" if len(unscored) > 20 else "")
        report.origins["Не учтены"] = (
            f"{len(unscored)} {plural(len(unscored), 'работа', 'работы', 'работ')} с вариантом «0» и без "
            f"первичного балла — не оценены ФИС ОКО: ни в участниках, ни в отсутствовавших "
            f"({plural(len(unscored), 'строка', 'строки', 'строк')} {shown})"
        )
    report.origins.update(checked_totals(schools.values(), labels["total"]))
    for error in errors:
        yield error.row, (), (error,)
    if errors:
        return
    common = {"year": str(work.year), "kind": KIND, "subject": work.subject, "grade": str(work.grade)}
    for login, school in schools.items():
        values = {
            **common,
            "school_code": login,
            "participants": str(school.participants),
            "failed": str(school.marks[0]),
            "marks_3": str(school.marks[1]),
            "marks_4": str(school.marks[2]),
            "marks_5": str(school.marks[3]),
            "mean_score": school.mean_mark(),
            DETAILS_KEY: school.details(),
        }
        yield from in_template_order(iter([(school.line, values, ())]))


def _place(names: list[str], header: list[str], wanted: str, *, prefix: bool = False) -> int:
    for index, name in enumerate(names):
        if name == wanted or (prefix and name.startswith(wanted)):
            return index
    raise TableError(
        f"В протоколе ВПР нет столбца «{wanted}{'…' if prefix else ''}». Заголовок: "
        + ", ".join(f"«{cell}»" for cell in header[:12] if cell)
        + "."
    )


def checked_totals(schools: Iterable[SchoolTally], total_label: str) -> dict[str, str]:
    """The sheet report's lines on the totals checked against the task marks (read_marks): none left unsaid."""

    def lines(found: list[int]) -> str:
        return ", ".join(str(line) for line in found[:20]) + (" …" if len(found) > 20 else "")

    def rows(count: int) -> str:
        return f"{count} {plural(count, 'строка', 'строки', 'строк')}"

    def first(found: list) -> str:
        return ", первые" if len(found) > 20 else ""

    tallies = list(schools)
    restored = sorted(item for school in tallies for item in school.restored)
    replaced = sorted(item for school in tallies for item in school.replaced)
    disagreed = sorted(item for school in tallies for item in school.disagreed)
    over = sorted(item for school in tallies for item in school.over)
    unchecked = sorted(line for school in tallies for line in school.unchecked)
    unknown = sorted(line for school in tallies for line in school.unknown)
    found: dict[str, str] = {}
    if restored:
        found["Итог восстановлен по заданиям"] = (
            f"{rows(len(restored))}: «{total_label}» пуст, взята сумма баллов за задания — "
            + ", ".join(f"строка {line} — {score}" for line, score in restored[:20])
            + (" …" if len(restored) > 20 else "")
        )
    if disagreed:
        found["Итог не совпал с суммой заданий"] = (
            f"{rows(len(disagreed))}{first(disagreed)}: "
            + "; ".join(
                f"строка {line} — {in_file} в файле, {score} по заданиям"
                for line, in_file, score in disagreed[:20]
            )
            + "; взят итог файла"
        )
    if replaced:
        found["Итог больше максимального"] = (
            f"{rows(len(replaced))}{first(replaced)}: "
            + "; ".join(
                f"строка {line} — {in_file} в файле, {score} по заданиям"
                for line, in_file, score in replaced[:20]
            )
            + "; взята сумма"
        )
    if over:
        found["Предупреждение: балл за задание больше максимального"] = (
            f"{rows(len(over))}{first(over)}: "
            + "; ".join(f"строка {line} — «{column}»: {mark}" for line, column, mark in over[:20])
            + f"; учтён «{total_label}» из файла"
        )
    if unchecked:
        found["Итог не сверен с заданиями"] = (
            f"{rows(len(unchecked))}: баллы за задания неполны или не прочитаны, взят «{total_label}» из файла "
            f"(строки {lines(unchecked)})"
        )
    if unknown:
        found["Не учтены без итога"] = (
            f"{len(unknown)} {plural(len(unknown), 'работа', 'работы', 'работ')} без «{total_label}» и с неполными "
            f"баллами за задания — балл не определить: ни в участниках, ни в отсутствовавших "
            f"({plural(len(unknown), 'строка', 'строки', 'строк')} {lines(unknown)})"
        )
    return found


def _pupils(
    rows: Iterator[list],
    line: int,
    place: dict[str, int],
    width: int,
    date_at: int | None,
    task_at: list[int],
) -> Iterator[tuple[int, str, str, str, str, str, tuple[str, ...]]]:
    """(line, login, variant, score, term mark, upload date, task marks) as text, per row after the header."""
    login, variant, total, term = place["login"], place["variant"], place["total"], place["term"]
    for raw in rows:
        line += 1
        if len(raw) < width:
            raw = [*raw, *[None] * (width - len(raw))]
        stamp = ""
        if date_at is not None and date_at < len(raw):
            value = raw[date_at]
            stamp = value.strftime("%d.%m.%Y") if isinstance(value, datetime | date) else cell_text(value)
        yield (
            line,
            cell_text(raw[login]),
            cell_text(raw[variant]),
            cell_text(raw[total]),
            cell_text(raw[term]),
            stamp,
            tuple(cell_text(raw[index]) for index in task_at),
        )


def parse_details(text: str) -> tuple[dict | None, str]:
    """A template row's ВПР details (as ``SchoolTally.details`` writes them) checked: (details, '') or
    (None, the Russian problem)."""
    try:
        details = json.loads(text)
    except ValueError:
        return None, "Ожидается JSON с распределением баллов и сравнением с отметками за период."
    counts = ("lower", "same", "higher", "no_term", "absent")
    if (
        not isinstance(details, dict)
        or not isinstance(details.get("scores"), list)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in details["scores"])
        or not all(
            isinstance(details.get(key), int) and not isinstance(details.get(key), bool) and details[key] >= 0
            for key in counts
        )
    ):
        return None, "Ожидаются scores (список чисел), lower, same, higher, no_term и absent (числа от 0)."
    return {"scores": details["scores"], **{key: details[key] for key in counts}}, ""


_LABELS = {**TEMPLATE_LABELS}

LAYOUT_2020 = Layout(
    name=SHAPE_2020.name,
    recognises=_recognises_2020,
    read=lambda rows, source, options: _read(SHAPE_2020, rows, source, options),
    labels=_LABELS,
)
LAYOUT_2021 = Layout(
    name=SHAPE_2021.name,
    recognises=_recognises_2021,
    read=lambda rows, source, options: _read(SHAPE_2021, rows, source, options),
    labels=_LABELS,
)
LAYOUT_2022 = Layout(
    name=SHAPE_2022.name,
    recognises=_recognises_2022,
    read=lambda rows, source, options: _read(SHAPE_2022, rows, source, options),
    labels=_LABELS,
    skip=_skip_2022,
)
LAYOUTS = (LAYOUT_2020, LAYOUT_2021, LAYOUT_2022)
