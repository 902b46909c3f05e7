"""The ОГЭ table of a regional centre (#19 §3.3): the regional ЕГЭ workbook's shape (``region_table``) with the
marks «2» «3» «4» «5» per subject instead of scores, as counts or as percentages. Pure.

No public file of this table was found (../shared/realdata/README.md); its shape is the ЕГЭ workbook's, as
BRIEF.md describes the regional centres' ОГЭ results («participants and the count below the threshold per
subject»). Per subject: «приняло участие | «2» | «3» | «4» | «5» [| средний балл]». Percentages (a «%» in a
mark's or the subject's header) are turned into counts as the ФИС ОКО layout does: round(participants × % / 100),
half up (``fisoko.recover_count``); a total row in percentages is not checked against its schools.
"""

import re

from core.tabular import normalise_header

from .base import Layout, Source
from .ege_region import subject_name
from .region_table import Spec, find_layout, header_index, read_table
from .template import TEMPLATE_LABELS

KIND = "ОГЭ"
GRADE = "9"
_MARK = re.compile(r"^(?:отметка|оценка|на|получили)?\s*([2-5])\s*(?:,?\s*%|,?\s*чел\.?|\(%\))?$")
_MARK_AFTER = re.compile(r"^%\s*([2-5])$")
MARK_FIELDS = {"2": "failed", "3": "marks_3", "4": "marks_4", "5": "marks_5"}

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
    "failed": "«2»",
    "marks_3": "«3»",
    "marks_4": "«4»",
    "marks_5": "«5»",
    "mean_score": "средний балл",
}


def field_of(name: str) -> str | None:
    """«приняло участие», «2», «"2"», «на «2»», «2, %», «% 2», «средний балл» / «средняя отметка» -> field."""
    if name.startswith(
        ("приняло участие", "приняли участие", "участвовало", "кол-во участников", "участников")
    ):
        return "participants"
    match = _MARK.match(name) or _MARK_AFTER.match(name)
    if match:
        return MARK_FIELDS[match.group(1)]
    if name.startswith(("средний балл", "средняя отметка", "средняя оценка")):
        return "mean_score"
    return None


SPEC = Spec(
    kind=KIND,
    grade=GRADE,
    field_of=field_of,
    subject_of=subject_name,
    count_keys=("participants", "failed", "marks_3", "marks_4", "marks_5"),
)


def _mentions(texts: list[list[str]], *words: str) -> bool:
    return any(word in normalise_header(cell) for cells in texts[:15] for cell in cells for word in words)


def recognises(header: list[str], texts: list[list[str]]) -> bool:
    """The regional table's header with marks per subject, under a title or a header that speaks of ОГЭ."""
    # The words first: they look at 15 rows, the header search at all the rows peeked.
    return (
        _mentions(texts, "огэ", "гиа-9")
        and not _mentions(texts, "егэ")
        and header_index(texts) is not None
        and find_layout(texts, SPEC) is not None
    )


def skip(texts: list[list[str]], source: Source) -> str | None:
    if _mentions(texts, "заявлени"):
        return "заявления на ОГЭ, не результаты"
    return None


LAYOUT = Layout(
    name="ОГЭ: таблица региона",
    recognises=recognises,
    read=lambda rows, source, options: read_table(rows, source, options, SPEC, LABELS),
    labels=LABELS,
    skip=skip,
)
