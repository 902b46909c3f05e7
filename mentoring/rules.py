"""Mentoring rules: assignment periods, overlaps, partnership shapes, coverage. Pure: no ORM.

The documents (000_…, 002_…, 004_…) ask that every ШНОР has a mentor by an order and every subject teacher
of a ШНОР a tutor; these functions decide whether an assignment may be made and how much of a list is
covered. Services call them with plain values; tests drive them with tables.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` inclusive; ``end`` None means "until ended"."""

    start: date
    end: date | None = None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def period_problem(start: date | None, end: date | None) -> str | None:
    """Why a period cannot be stored, in Russian; None when it is fine."""
    if start is None:
        return "Укажите дату начала."
    if end is not None and end < start:
        return f"Период заканчивается ({end:%d.%m.%Y}) раньше, чем начинается ({start:%d.%m.%Y})."
    return None


def periods_overlap(a: Period, b: Period) -> bool:
    """Two inclusive periods share at least one day (an open end reaches forever)."""
    a_before_b = a.end is not None and a.end < b.start
    b_before_a = b.end is not None and b.end < a.start
    return not (a_before_b or b_before_a)


def first_overlap(new: Period, existing: Iterable[tuple[K, Period]]) -> K | None:
    """The key of the first existing period that overlaps ``new``, or None."""
    for key, period in existing:
        if periods_overlap(new, period):
            return key
    return None


def end_problem(period: Period, end: date) -> str | None:
    """Why an assignment cannot be ended on ``end``; None when it can."""
    if end < period.start:
        return f"Дата окончания ({end:%d.%m.%Y}) раньше начала назначения ({period.start:%d.%m.%Y})."
    if period.end is not None and end > period.end:
        return f"Назначение уже заканчивается {period.end:%d.%m.%Y}; продлите его новым приказом."
    return None


# --- partnerships ----------------------------------------------------------------------------------------

PAIR = "pair"
GROUP = "group"


def partnership_problem(
    *, kind: str, partner_count: int, includes_itself: bool, first_year: int, last_year: int
) -> str | None:
    """Why a partnership cannot be stored, in Russian; None when it is fine.

    A pair is a ШНОР with exactly one partner; a group has two or more partners (004_…: "пара", "группа").
    """
    if partner_count < 1:
        return "Укажите хотя бы одну школу-партнёра."
    if includes_itself:
        return "Школа не может быть партнёром самой себе."
    if kind == PAIR and partner_count != 1:
        return "В паре у школы ровно один партнёр; для нескольких партнёров выберите тип «группа»."
    if kind == GROUP and partner_count < 2:
        return "В группе не меньше двух школ-партнёров; для одного партнёра выберите тип «пара»."
    if last_year < first_year:
        return "Последний учебный год партнёрства раньше первого."
    return None


# --- plan items of a partnership ----------------------------------------------------------------------

PLANNED, IN_PROGRESS, DONE, CANCELLED = "planned", "in_progress", "done", "cancelled"
PLAN_MOVES: dict[str, frozenset[str]] = {
    PLANNED: frozenset({IN_PROGRESS, DONE, CANCELLED}),
    IN_PROGRESS: frozenset({DONE, CANCELLED, PLANNED}),
    DONE: frozenset({IN_PROGRESS}),  # reopened when the evidence turns out to be missing
    CANCELLED: frozenset({PLANNED}),
}


def plan_move_allowed(current: str, new: str) -> bool:
    return new in PLAN_MOVES.get(current, frozenset())


def plan_item_overdue(*, status: str, due: date, today: date) -> bool:
    """Not stored: an open item past its date is overdue."""
    return status in (PLANNED, IN_PROGRESS) and due < today


# --- coverage of an approved list ----------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolCoverageInput:
    school_id: int
    has_mentor: bool
    teacher_ids: tuple[int, ...]  # the school's active subject teachers
    tutored_teacher_ids: frozenset[int]  # of them, those with an active tutor


@dataclass(frozen=True)
class Coverage:
    schools_total: int
    schools_without_mentor: tuple[int, ...]
    teachers_total: int
    teachers_without_tutor: tuple[tuple[int, int], ...]  # (school id, teacher id)

    @property
    def schools_with_mentor(self) -> int:
        return self.schools_total - len(self.schools_without_mentor)

    @property
    def teachers_with_tutor(self) -> int:
        return self.teachers_total - len(self.teachers_without_tutor)

    @property
    def mentor_share(self) -> float | None:
        """Share of ШНОР with an active mentor, %; None for an empty list (no share to speak of)."""
        return share(self.schools_with_mentor, self.schools_total)

    @property
    def tutor_share(self) -> float | None:
        """Share of the ШНОР's subject teachers with an active tutor, % («доля педагогов, включённых в
        систему методического сопровождения»)."""
        return share(self.teachers_with_tutor, self.teachers_total)


def share(part: int, total: int) -> float | None:
    return None if total == 0 else round(100 * part / total, 1)


def coverage(schools: Iterable[SchoolCoverageInput]) -> Coverage:
    schools = list(schools)
    without_mentor = tuple(s.school_id for s in schools if not s.has_mentor)
    teachers_total = 0
    without_tutor: list[tuple[int, int]] = []
    for school in schools:
        teachers_total += len(school.teacher_ids)
        without_tutor.extend(
            (school.school_id, teacher_id)
            for teacher_id in school.teacher_ids
            if teacher_id not in school.tutored_teacher_ids
        )
    return Coverage(
        schools_total=len(schools),
        schools_without_mentor=without_mentor,
        teachers_total=teachers_total,
        teachers_without_tutor=tuple(without_tutor),
    )
