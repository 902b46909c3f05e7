"""roadmaps.transitions: the status table, the reason rule, due dates, «просрочено», shifting dates a year on.

The tables below are written from the domain (what a department does with a roadmap item), not copied from the
module, so a change of the module's table shows up here as a failing pair.
"""

import datetime
import itertools

import pytest

from roadmaps import transitions
from roadmaps.transitions import (
    CANCELLED,
    DONE,
    IN_PROGRESS,
    PLANNED,
    POSTPONED,
    due_date,
    is_overdue,
    move_problem,
    period_problem,
    shift_date,
)

STATUSES = ("planned", "in_progress", "done", "postponed", "cancelled")
NOT_ALLOWED = "Такой переход статуса не предусмотрен."
NO_REASON = "Укажите причину переноса или отмены."

# May an item go from the row's status to the column's? (The diagonal is «stays»: always fine.)
#   planned: starts, is done at once, is postponed or cancelled;
#   in progress: is done, postponed or cancelled — it does not go back to «planned»;
#   done: only reopened («в работе») when the evidence does not hold;
#   postponed: planned again, started, done, or finally cancelled;
#   cancelled: restored to «planned» only (a mistake corrected).
#                  planned in_progress done  postponed cancelled
MOVES = {
    "planned": (True, True, True, True, True),
    "in_progress": (False, True, True, True, True),
    "done": (False, True, True, False, False),
    "postponed": (True, True, True, True, True),
    "cancelled": (True, False, False, False, True),
}
NEEDS_A_REASON = {"postponed", "cancelled"}


def test_constants_are_the_model_values():
    assert (PLANNED, IN_PROGRESS, DONE, POSTPONED, CANCELLED) == STATUSES
    assert set(transitions.ALLOWED) == set(STATUSES)
    assert transitions.OPEN == {"planned", "in_progress", "postponed"}
    assert transitions.NEEDS_REASON == NEEDS_A_REASON


def test_the_table_has_no_self_loops_and_names_only_known_statuses():
    for current, targets in transitions.ALLOWED.items():
        assert current not in targets
        assert targets <= set(STATUSES)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(STATUSES, STATUSES)))
def test_every_pair_with_a_reason(current, new):
    allowed = MOVES[current][STATUSES.index(new)]
    assert move_problem(current, new, "Перенос по письму министерства № 24/1") == (
        None if allowed else NOT_ALLOWED
    )


@pytest.mark.parametrize(("current", "new"), list(itertools.product(STATUSES, STATUSES)))
@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_every_pair_without_a_reason(current, new, reason):
    allowed = MOVES[current][STATUSES.index(new)]
    if current == new:
        expected = None  # staying is never a problem, a reason or not
    elif not allowed:
        expected = NOT_ALLOWED  # the transition is the first thing said
    elif new in NEEDS_A_REASON:
        expected = NO_REASON
    else:
        expected = None
    assert move_problem(current, new, reason) == expected


UNCONFIRMED = (
    "Пункт отмечается выполненным с подтверждением: приложите документ или ссылку (кнопка «Приложить») "
    "или укажите в поле «Причина», почему подтверждения нет."
)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(STATUSES, STATUSES)))
@pytest.mark.parametrize("reason", ["", "  "])
def test_every_pair_without_evidence_or_a_reason(current, new, reason):
    """Issue #20 §3: «выполнено» with no document or link asks for a reason; nothing else changes."""
    allowed = MOVES[current][STATUSES.index(new)]
    if current == new:
        expected = None  # an item already done and saved again is not asked twice
    elif not allowed:
        expected = NOT_ALLOWED
    elif new in NEEDS_A_REASON:
        expected = NO_REASON
    elif new == "done":
        expected = UNCONFIRMED
    else:
        expected = None
    assert move_problem(current, new, reason, has_evidence=False) == expected


@pytest.mark.parametrize("current", ["planned", "in_progress", "postponed"])
def test_done_without_evidence_passes_with_a_reason_or_with_evidence(current):
    assert move_problem(current, "done", "Протокол на подписи", has_evidence=False) is None
    assert move_problem(current, "done", "", has_evidence=True) is None
    assert move_problem(current, "done") is None  # the default: evidence is there (the caller says otherwise)


@pytest.mark.parametrize(
    ("status", "has_evidence", "keeps", "flagged"),
    [
        ("done", False, True, True),
        ("done", True, False, False),
        ("postponed", False, True, False),
        ("postponed", True, True, False),
        ("cancelled", True, True, False),
        ("in_progress", False, False, False),
        ("planned", False, False, False),
    ],
)
def test_which_statuses_keep_a_reason_and_which_are_unconfirmed(status, has_evidence, keeps, flagged):
    assert transitions.keeps_reason(status, has_evidence=has_evidence) is keeps
    assert transitions.unconfirmed(status=status, has_evidence=has_evidence) is flagged


def test_reason_defaults_to_empty():
    assert move_problem("planned", "postponed") == NO_REASON
    assert move_problem("planned", "cancelled") == NO_REASON
    assert move_problem("planned", "done") is None


@pytest.mark.parametrize(
    ("current", "new"),
    [("planned", "archived"), ("planned", ""), ("unknown", "planned"), ("", "done"), ("DONE", "in_progress")],
)
def test_unknown_statuses_are_refused(current, new):
    assert move_problem(current, new, "причина") == NOT_ALLOWED


def test_counts_of_the_table():
    allowed_moves = [(c, n) for c in STATUSES for n in STATUSES if c != n and move_problem(c, n, "x") is None]
    assert len(allowed_moves) == 4 + 3 + 1 + 4 + 1


# --- due date and «просрочено» ---------------------------------------------------------------------------

PERIOD_END = datetime.date(2027, 12, 31)
MAY_31 = datetime.date(2027, 5, 31)


@pytest.mark.parametrize(
    ("end", "all_year", "expected"),
    [
        (MAY_31, False, MAY_31),
        (None, False, PERIOD_END),  # no end given: the end of the roadmap's period
        (MAY_31, True, PERIOD_END),  # «в течение года» wins over a stray end date
        (None, True, PERIOD_END),
        (PERIOD_END, False, PERIOD_END),
        (datetime.date(2028, 2, 1), False, datetime.date(2028, 2, 1)),  # beyond the period: as written
    ],
)
def test_due_date(end, all_year, expected):
    assert due_date(end=end, all_year=all_year, period_end=PERIOD_END) == expected


DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "end", "all_year", "today", "expected"),
    [
        # open statuses: overdue the day after the due date, not on it
        ("planned", MAY_31, False, MAY_31 - DAY, False),
        ("planned", MAY_31, False, MAY_31, False),
        ("planned", MAY_31, False, MAY_31 + DAY, True),
        ("in_progress", MAY_31, False, MAY_31, False),
        ("in_progress", MAY_31, False, MAY_31 + DAY, True),
        ("postponed", MAY_31, False, MAY_31, False),
        ("postponed", MAY_31, False, MAY_31 + DAY, True),
        ("planned", MAY_31, False, datetime.date(2030, 1, 1), True),
        # «в течение года» and no end: due at the end of the period
        ("planned", None, True, MAY_31 + DAY, False),
        ("planned", MAY_31, True, MAY_31 + DAY, False),
        ("planned", None, True, PERIOD_END, False),
        ("planned", None, True, PERIOD_END + DAY, True),
        ("in_progress", None, False, PERIOD_END, False),
        ("in_progress", None, False, PERIOD_END + DAY, True),
        ("postponed", None, False, PERIOD_END + DAY, True),
        # done and cancelled: never overdue
        ("done", MAY_31, False, MAY_31 + DAY, False),
        ("done", MAY_31, False, datetime.date(2035, 1, 1), False),
        ("done", None, True, PERIOD_END + DAY, False),
        ("done", None, False, PERIOD_END + DAY, False),
        ("cancelled", MAY_31, False, MAY_31 + DAY, False),
        ("cancelled", None, True, PERIOD_END + DAY, False),
        ("cancelled", None, False, datetime.date(2035, 1, 1), False),
    ],
)
def test_is_overdue(status, end, all_year, today, expected):
    assert (
        is_overdue(status=status, end=end, all_year=all_year, period_end=PERIOD_END, today=today) is expected
    )


@pytest.mark.parametrize("status", STATUSES)
def test_is_overdue_only_for_open_statuses(status):
    long_after = datetime.date(2040, 1, 1)
    overdue = is_overdue(status=status, end=MAY_31, all_year=False, period_end=PERIOD_END, today=long_after)
    assert overdue is (status in {"planned", "in_progress", "postponed"})


# --- shifting a date by years (a roadmap copied to the next year) ----------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (None, 1, None),
        (datetime.date(2023, 3, 1), 1, datetime.date(2024, 3, 1)),
        (datetime.date(2023, 12, 31), 1, datetime.date(2024, 12, 31)),
        (datetime.date(2023, 1, 1), 1, datetime.date(2024, 1, 1)),
        (datetime.date(2023, 2, 28), 1, datetime.date(2024, 2, 28)),  # not moved to the 29th of a leap year
        (datetime.date(2024, 2, 29), 1, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 2, 29), 2, datetime.date(2026, 2, 28)),
        (datetime.date(2024, 2, 29), 4, datetime.date(2028, 2, 29)),
        (datetime.date(2024, 2, 29), -1, datetime.date(2023, 2, 28)),
        (datetime.date(2024, 2, 29), 0, datetime.date(2024, 2, 29)),
        (datetime.date(2024, 3, 1), 1, datetime.date(2025, 3, 1)),
        (datetime.date(2025, 6, 15), -2, datetime.date(2023, 6, 15)),
        (datetime.date(2023, 9, 1), 3, datetime.date(2026, 9, 1)),
    ],
)
def test_shift_date(day, years, expected):
    assert shift_date(day, years) == expected


def test_shift_date_every_day_of_a_leap_year_stays_in_its_month():
    day = datetime.date(2024, 1, 1)
    while day.year == 2024:
        shifted = shift_date(day, 1)
        assert (shifted.year, shifted.month) == (2025, day.month)
        assert shifted.day == day.day or (day.month, day.day, shifted.day) == (2, 29, 28)
        day += DAY


# --- a period's order ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),
        (datetime.date(2027, 3, 1), None),
        (None, datetime.date(2027, 3, 1)),
        (datetime.date(2027, 3, 1), datetime.date(2027, 3, 1)),  # one day
        (datetime.date(2027, 3, 1), datetime.date(2027, 4, 30)),
        (datetime.date(2026, 9, 1), datetime.date(2027, 5, 31)),
    ],
)
def test_period_problem_none(start, end):
    assert period_problem(start, end) is None


def test_period_problem_names_both_dates_in_russian():
    assert period_problem(datetime.date(2027, 4, 30), datetime.date(2027, 3, 1)) == (
        "Срок заканчивается (01.03.2027) раньше, чем начинается (30.04.2027)."
    )
    assert period_problem(datetime.date(2027, 3, 2), datetime.date(2027, 3, 1)) is not None
