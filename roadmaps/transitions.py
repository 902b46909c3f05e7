"""Roadmap item statuses and deadlines. Pure: no ORM.

Statuses move along a table (django-oscar's pipeline style); «просрочено» is not a status but a fact computed
from the dates, the status and today.
"""

import datetime
from typing import overload

PLANNED, IN_PROGRESS, DONE, POSTPONED, CANCELLED = "planned", "in_progress", "done", "postponed", "cancelled"
ALLOWED: dict[str, frozenset[str]] = {
    PLANNED: frozenset({IN_PROGRESS, DONE, POSTPONED, CANCELLED}),
    IN_PROGRESS: frozenset({DONE, POSTPONED, CANCELLED}),
    POSTPONED: frozenset({PLANNED, IN_PROGRESS, DONE, CANCELLED}),
    DONE: frozenset({IN_PROGRESS}),  # reopened when the evidence does not hold
    CANCELLED: frozenset({PLANNED}),  # restored by mistake-correction
}
NEEDS_REASON = frozenset({POSTPONED, CANCELLED})
OPEN = frozenset({PLANNED, IN_PROGRESS, POSTPONED})


UNCONFIRMED_DONE = (
    "Пункт отмечается выполненным с подтверждением: приложите документ или ссылку (кнопка «Приложить») "
    "или укажите в поле «Причина», почему подтверждения нет."
)


def move_problem(current: str, new: str, reason: str = "", *, has_evidence: bool = True) -> str | None:
    """Why an item cannot move from ``current`` to ``new``, in Russian; None when it can (or stays).

    «Выполнено» with no document or link attached asks for a reason instead (issue #20 §3): the reviewer then sees
    the item marked «без подтверждения» with that reason (``unconfirmed``)."""
    if new == current:
        return None
    if new not in ALLOWED.get(current, frozenset()):
        return "Такой переход статуса не предусмотрен."
    if new in NEEDS_REASON and not reason.strip():
        return "Укажите причину переноса или отмены."
    if new == DONE and not has_evidence and not reason.strip():
        return UNCONFIRMED_DONE
    return None


def keeps_reason(status: str, *, has_evidence: bool) -> bool:
    """Whether an item in ``status`` keeps a reason: «перенесено», «отменено», and «выполнено» without proof."""
    return status in NEEDS_REASON or (status == DONE and not has_evidence)


def unconfirmed(*, status: str, has_evidence: bool) -> bool:
    """«Выполнено» with neither a document nor a link: shown to the reviewer as «без подтверждения»."""
    return status == DONE and not has_evidence


def due_date(*, end: datetime.date | None, all_year: bool, period_end: datetime.date) -> datetime.date:
    """When an item is due: its end date; «в течение года» (or no end) — the end of the roadmap's period."""
    if all_year or end is None:
        return period_end
    return end


def is_overdue(
    *, status: str, end: datetime.date | None, all_year: bool, period_end: datetime.date, today: datetime.date
) -> bool:
    """Open and past its due date. Done, cancelled: never overdue."""
    return status in OPEN and due_date(end=end, all_year=all_year, period_end=period_end) < today


@overload
def shift_date(day: datetime.date, years: int) -> datetime.date: ...
@overload
def shift_date(day: None, years: int) -> None: ...


def shift_date(day: datetime.date | None, years: int) -> datetime.date | None:
    """The same day ``years`` later (29 February becomes 28 February in a common year)."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_problem(start: datetime.date | None, end: datetime.date | None) -> str | None:
    if start and end and end < start:
        return f"Срок заканчивается ({end:%d.%m.%Y}) раньше, чем начинается ({start:%d.%m.%Y})."
    return None
