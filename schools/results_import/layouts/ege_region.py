"""The region's ЕГЭ workbook «Информация о результатах ЕГЭ выпускников школ в YYYY году» (#19 §3.2). Pure.

A sheet per year (``ege_region_workbook_*.xlsx``); five columns per subject «приняло участие | не преодолен min
порог | высокобалльники (80-99 баллов) | получили 100 баллов | средний балл»; the shape and how totals are told
from schools are in ``region_table``. The first sheet may be «Информация о поданных … заявлениях на участие в
ЕГЭ» — applications for the next ЕГЭ, not results: recognised and skipped, said out loud.

Base maths. ЕГЭ base maths is marked 2–5, not on the 100-point scale: the workbooks give it the same five columns,
and its «не преодолен min порог» are those marked «2» (its minimum is the mark «3»), its «средний балл» is the
mean mark (3.18 … 4.27 in the real files) and its high scorers and hundreds are empty. So base maths keeps failed
and the mean as given, and its high scorers and hundreds are left unset (a number there is an error: the file
mixes scales). Source for the scale: «ЕГЭ по базовой математике оценивается по пятибалльной системе
оценивания. Для получения аттестата участнику экзамена необходимо набрать не менее трех баллов» (Комитет
образования г. Читы, https://edu-chita.ru/news/8124, 27.05.2025); the order of Рособрнадзор that sets it each year
was not found here, so it is not cited.
"""

from core.tabular import normalise_header, normalise_text
from schools.subjects import display_subject

from .base import Layout, Source
from .region_table import Spec, find_layout, find_title, header_index, read_table
from .template import TEMPLATE_LABELS

KIND = "ЕГЭ"
GRADE = "11"
BASE_MATHS = "Математика (базовый уровень)"
SKIP_APPLICATIONS = "заявления на ЕГЭ, не результаты"

_NOTES = ("(в т.ч.", "(в том числе")

LABELS = {
    **TEMPLATE_LABELS,
    "school_code": "Образовательная организация (школа)",
    "school_name": "Образовательная организация (школа)",
    "municipality": "Муниципальное образование",
    "year": "Год (заголовок листа)",
    "kind": "Вид",
    "subject": "Предмет (шапка листа)",
    "grade": "Класс",
    "participants": "приняло участие",
    "failed": "не преодолен min порог",
    "high_scorers": "высокобалльники (80-99 баллов)",
    "hundred_scorers": "получили 100 баллов",
    "mean_score": "средний балл",
}


def subject_name(header: str) -> str:
    """«Математика (профиль), чел.» -> «Математика (профильный уровень)»; «География, чел. (в т.ч. участвовавшие
    в 2022 году)» -> «География»; «Английский язык (устный)» -> «Английский язык (устная часть)» (its own exam
    day and table). The synonyms are schools.subjects' (display_subject)."""
    text = normalise_text(header)
    for note in _NOTES:
        position = text.lower().find(note)
        if position >= 0:
            text = text[:position]
    text = text.strip().removesuffix(",").strip()
    for suffix in (", чел.", ", чел", " чел."):
        if text.lower().endswith(suffix):
            text = text[: -len(suffix)]
    text = text.strip().removesuffix(",").strip()
    # The workbooks' spellings («Математика (профиль)», «ИКТ», «Иностранные языки») -> the portal's names.
    return display_subject(text)


def field_of(name: str) -> str | None:
    """A sub-header (normalised: lower case, single spaces, no quotes) -> the template's field."""
    if name.startswith(
        ("приняло участие", "приняли участие", "участвовало", "кол-во участников", "участников")
    ):
        return "participants"
    if "не преодол" in name or "ниже min" in name or "ниже миним" in name:
        return "failed"
    if name.startswith("высокобалльн") or "80-99" in name or "80–99" in name:
        return "high_scorers"
    if "100 балл" in name or name.startswith("стобалльн"):
        return "hundred_scorers"
    if name.startswith("средний балл"):
        return "mean_score"
    return None


def _finish(subject: str, counts: dict[str, int | None]) -> tuple[dict[str, int | None], list[str]]:
    """Base maths has no 100-point scale: its high scorers and hundreds are unset (a number there is an error)."""
    if subject != BASE_MATHS:
        return counts, []
    given = [key for key in ("high_scorers", "hundred_scorers") if counts.get(key)]
    if given:
        return counts, [
            "У базовой математики отметки 2–5, а не 100-балльная шкала: в столбцах "
            + ", ".join(f"«{LABELS[key]}»" for key in given)
            + " должно быть пусто."
        ]
    return {**counts, "high_scorers": None, "hundred_scorers": None}, []


SPEC = Spec(
    kind=KIND,
    grade=GRADE,
    field_of=field_of,
    subject_of=subject_name,
    finish=_finish,
    count_keys=("participants", "failed", "high_scorers", "hundred_scorers"),
)


def _mentions(texts: list[list[str]], word: str) -> bool:
    return any(word in normalise_header(cell) for cells in texts[:15] for cell in cells)


def recognises(header: list[str], texts: list[list[str]]) -> bool:
    """A school column and a municipality column under a title or a header that speaks of ЕГЭ."""
    # The word first: it looks at 15 rows, the header search at all the rows peeked.
    return _mentions(texts, "егэ") and header_index(texts) is not None


def skip(texts: list[list[str]], source: Source) -> str | None:
    """The applications sheet («… о поданных … заявлениях на участие в ЕГЭ»): no results in it."""
    title = find_title(texts, "егэ")
    if title is not None and "заявлени" in title[1].lower():
        return SKIP_APPLICATIONS
    if find_layout(texts, SPEC) is None and _mentions(texts, "заявлени"):
        return SKIP_APPLICATIONS
    return None


LAYOUT = Layout(
    name="ЕГЭ: таблица региона",
    recognises=recognises,
    read=lambda rows, source, options: read_table(rows, source, options, SPEC, LABELS),
    labels=LABELS,
    skip=skip,
)
