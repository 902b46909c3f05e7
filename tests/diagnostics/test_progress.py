"""diagnostics.progress (pure): quarters, deadlines, reminders, route line statuses, progress form states.

The allowed moves are written out here independently of LINE_MOVES / FORM_MOVES, and every pair of states
is checked against them.
"""

import datetime
import itertools

import pytest

from diagnostics import progress
from diagnostics.models import FormStatus, LineStatus
from diagnostics.progress import (
    Quarter,
    deadline,
    done_on_time,
    form_move_allowed,
    form_overdue,
    is_late,
    line_in_quarter,
    line_move_problem,
    quarter_of,
    reminder_kind,
    share_done_on_time,
)

D = datetime.date
Q = Quarter

# --- quarters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "start", "end", "label"),
    [
        (Q(2026, 1), D(2026, 1, 1), D(2026, 3, 31), "1 квартал 2026 г."),
        (Q(2026, 2), D(2026, 4, 1), D(2026, 6, 30), "2 квартал 2026 г."),
        (Q(2026, 3), D(2026, 7, 1), D(2026, 9, 30), "3 квартал 2026 г."),
        (Q(2026, 4), D(2026, 10, 1), D(2026, 12, 31), "4 квартал 2026 г."),
        (Q(2024, 1), D(2024, 1, 1), D(2024, 3, 31), "1 квартал 2024 г."),  # leap year
        (Q(2025, 4), D(2025, 10, 1), D(2025, 12, 31), "4 квартал 2025 г."),
    ],
)
def test_quarter_start_end_label(quarter, start, end, label):
    assert quarter.start == start
    assert quarter.end == end
    assert quarter.label == label
    assert quarter.contains(start) and quarter.contains(end)
    assert not quarter.contains(start - datetime.timedelta(days=1))
    assert not quarter.contains(end + datetime.timedelta(days=1))


@pytest.mark.parametrize(
    ("quarter", "following", "preceding"),
    [
        (Q(2026, 1), Q(2026, 2), Q(2025, 4)),  # previous crosses the year boundary
        (Q(2026, 2), Q(2026, 3), Q(2026, 1)),
        (Q(2026, 3), Q(2026, 4), Q(2026, 2)),
        (Q(2026, 4), Q(2027, 1), Q(2026, 3)),  # next crosses the year boundary
    ],
)
def test_quarter_next_and_previous(quarter, following, preceding):
    assert quarter.next() == following
    assert quarter.previous() == preceding
    assert quarter.next().previous() == quarter
    assert quarter.previous().next() == quarter
    assert quarter.next().start == quarter.end + datetime.timedelta(days=1)


@pytest.mark.parametrize("number", [0, 5, -1])
def test_quarter_number_out_of_range(number):
    with pytest.raises(ValueError):
        Q(2026, number)


def test_quarters_order_by_year_then_number():
    assert Q(2025, 4) < Q(2026, 1) < Q(2026, 2) < Q(2027, 1)
    assert sorted([Q(2026, 2), Q(2025, 4), Q(2026, 1)]) == [Q(2025, 4), Q(2026, 1), Q(2026, 2)]


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (D(2026, 1, 1), Q(2026, 1)),
        (D(2026, 2, 28), Q(2026, 1)),
        (D(2026, 3, 31), Q(2026, 1)),
        (D(2026, 4, 1), Q(2026, 2)),
        (D(2026, 6, 30), Q(2026, 2)),
        (D(2026, 7, 1), Q(2026, 3)),
        (D(2026, 9, 30), Q(2026, 3)),
        (D(2026, 10, 1), Q(2026, 4)),
        (D(2026, 12, 31), Q(2026, 4)),
        (D(2027, 1, 1), Q(2027, 1)),
    ],
)
def test_quarter_of(day, quarter):
    assert quarter_of(day) == quarter


# --- deadlines and reminders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "days", "due"),
    [
        (Q(2026, 1), None, D(2026, 4, 10)),
        (Q(2026, 2), None, D(2026, 7, 10)),
        (Q(2026, 3), None, D(2026, 10, 10)),
        (Q(2026, 4), None, D(2027, 1, 10)),  # into the next year
        (Q(2026, 1), 15, D(2026, 4, 15)),
        (Q(2026, 4), 31, D(2027, 1, 31)),
        (Q(2026, 1), 0, D(2026, 3, 31)),
    ],
)
def test_deadline(quarter, days, due):
    assert (deadline(quarter) if days is None else deadline(quarter, days)) == due


def test_default_deadline_is_ten_days():
    assert progress.DEFAULT_DEADLINE_DAYS == 10


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (D(2026, 4, 4), None),
        (D(2026, 4, 5), "before"),  # exactly 5 days before 10.04
        (D(2026, 4, 6), None),
        (D(2026, 4, 9), None),
        (D(2026, 4, 10), None),  # the deadline itself
        (D(2026, 4, 11), "after"),  # the day after
        (D(2026, 4, 12), None),
        (D(2026, 3, 31), None),
        (D(2026, 5, 1), None),
    ],
)
def test_reminder_kind_default_deadline(today, kind):
    assert reminder_kind(Q(2026, 1), today) == kind


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (D(2026, 4, 5), None),
        (D(2026, 4, 10), "before"),
        (D(2026, 4, 15), None),
        (D(2026, 4, 16), "after"),
    ],
)
def test_reminder_kind_other_deadline(today, kind):
    assert reminder_kind(Q(2026, 1), today, days=15) == kind


def test_reminder_kind_across_the_year():
    assert reminder_kind(Q(2026, 4), D(2027, 1, 5)) == "before"
    assert reminder_kind(Q(2026, 4), D(2027, 1, 11)) == "after"


@pytest.mark.parametrize(
    ("submitted_on", "days", "late"),
    [
        (D(2026, 3, 31), 10, False),
        (D(2026, 4, 1), 10, False),
        (D(2026, 4, 10), 10, False),  # on the deadline: in time
        (D(2026, 4, 11), 10, True),  # a day after: late
        (D(2026, 12, 31), 10, True),
        (D(2026, 4, 11), 15, False),
        (D(2026, 4, 16), 15, True),
    ],
)
def test_is_late(submitted_on, days, late):
    assert is_late(Q(2026, 1), submitted_on, days) is late


def test_is_late_default_days():
    assert is_late(Q(2026, 4), D(2027, 1, 10)) is False
    assert is_late(Q(2026, 4), D(2027, 1, 11)) is True


# --- route line statuses --------------------------------------------------------------------------------

NS, IP, DN, PP, CN = "not_started", "in_progress", "done", "postponed", "cancelled"
LINE_STATUSES = [NS, IP, DN, PP, CN]
# Written out independently of progress.LINE_MOVES. Staying in the same status is always fine.
ALLOWED_LINE_MOVES = {
    (NS, IP),
    (NS, DN),
    (NS, PP),
    (NS, CN),
    (IP, DN),
    (IP, PP),
    (IP, CN),
    (PP, IP),
    (PP, DN),
    (PP, CN),
    (DN, IP),  # reopened when the evidence does not hold up
    # nothing leaves «cancelled»; nothing goes back to «not_started»
}
NEEDS_REASON = {PP, CN}
NOT_ALLOWED = "Такой переход статуса не предусмотрен."
NO_REASON = "Укажите причину переноса или отмены."


def test_line_statuses_match_the_model_choices():
    assert set(LINE_STATUSES) == set(LineStatus.values)
    assert set(progress.LINE_MOVES) == set(LINE_STATUSES)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(LINE_STATUSES, LINE_STATUSES)))
def test_line_move_every_pair_with_a_reason(current, new):
    expected = None if current == new or (current, new) in ALLOWED_LINE_MOVES else NOT_ALLOWED
    assert line_move_problem(current, new, "Курсы перенесены организатором на следующий квартал") == expected


@pytest.mark.parametrize(("current", "new"), list(itertools.product(LINE_STATUSES, LINE_STATUSES)))
@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_line_move_every_pair_without_a_reason(current, new, reason):
    if current == new:
        expected = None  # staying needs no reason, even in «postponed» / «cancelled»
    elif (current, new) not in ALLOWED_LINE_MOVES:
        expected = NOT_ALLOWED
    elif new in NEEDS_REASON:
        expected = NO_REASON
    else:
        expected = None
    assert line_move_problem(current, new, reason) == expected


def test_line_move_default_reason_is_empty():
    assert line_move_problem(NS, PP) == NO_REASON
    assert line_move_problem(NS, DN) is None


def test_line_move_from_an_unknown_status_is_refused():
    assert line_move_problem("lost", DN, "причина") == NOT_ALLOWED


# line_in_quarter: due in the quarter (any status), or earlier and not finished.
Q2 = Q(2026, 2)
LINE_IN_QUARTER = [
    *[(Q2, status, True) for status in LINE_STATUSES],  # due in the quarter: always on its form
    (Q(2026, 1), NS, True),
    (Q(2026, 1), IP, True),
    (Q(2026, 1), PP, True),
    (Q(2026, 1), DN, False),
    (Q(2026, 1), CN, False),
    (Q(2025, 4), NS, True),  # a year earlier, still open
    (Q(2025, 4), PP, True),
    (Q(2025, 4), DN, False),
    *[(Q(2026, 3), status, False) for status in LINE_STATUSES],  # due later: not yet
    *[(Q(2027, 1), status, False) for status in LINE_STATUSES],
]


@pytest.mark.parametrize(("due", "status", "included"), LINE_IN_QUARTER)
def test_line_in_quarter(due, status, included):
    assert line_in_quarter(due=due, status=status, quarter=Q2) is included


@pytest.mark.parametrize(
    ("status", "done_on", "on_time"),
    [
        (DN, D(2026, 4, 1), True),
        (DN, D(2026, 6, 30), True),  # the last day of the quarter
        (
            DN,
            D(2026, 7, 3),
            True,
        ),  # reported on the quarter's own form, sent in its window (issue #17, item 12)
        (DN, D(2026, 7, 10), True),  # the form's deadline: 10 days after the quarter
        (DN, D(2026, 7, 11), False),  # a day after the deadline
        (DN, D(2025, 12, 1), True),  # early
        (DN, None, False),
        (IP, D(2026, 5, 1), False),
        (NS, None, False),
        (PP, None, False),
        (CN, None, False),
    ],
)
def test_done_on_time(status, done_on, on_time):
    assert done_on_time(due=Q2, status=status, done_on=done_on) is on_time


@pytest.mark.parametrize(
    ("lines", "today", "share"),
    [
        ([], D(2026, 7, 15), None),
        # Q1 and Q2 forms are due by 10.04 and 10.07; Q3's is not (it is due 10.10); cancelled lines do not count.
        (
            [
                (Q(2026, 1), DN, D(2026, 3, 20)),  # on time
                (Q(2026, 1), DN, D(2026, 4, 5)),  # on the Q1 form, sent in its window: on time
                (Q(2026, 1), DN, D(2026, 4, 15)),  # after the Q1 deadline: late
                (Q(2026, 2), IP, None),  # not done
                (Q(2026, 2), CN, None),  # cancelled: not counted
                (Q(2026, 3), DN, D(2026, 7, 1)),  # not due yet: not counted
            ],
            D(2026, 7, 15),
            50.0,
        ),
        (
            [(Q(2026, 1), DN, D(2026, 3, 1)), (Q(2026, 1), DN, D(2026, 3, 2)), (Q(2026, 1), PP, None)],
            D(2026, 4, 11),
            66.7,
        ),
        # every line of the quarter reported on its form after the quarter: 100 %, not 0 % (issue #17, item 12)
        ([(Q(2026, 3), DN, D(2026, 10, 2)), (Q(2026, 3), DN, D(2026, 10, 9))], D(2026, 12, 7), 100.0),
        ([(Q(2026, 1), DN, D(2026, 3, 1))], D(2026, 4, 11), 100.0),
        ([(Q(2026, 1), NS, None)], D(2026, 4, 11), 0.0),
        # the quarter has ended but its form is not yet due: nothing is late yet
        ([(Q(2026, 1), NS, None)], D(2026, 4, 1), None),
        ([(Q(2026, 1), NS, None)], D(2026, 4, 10), None),
        ([(Q(2026, 1), CN, None), (Q(2026, 2), CN, None)], D(2027, 1, 1), None),
    ],
)
def test_share_done_on_time(lines, today, share):
    assert share_done_on_time(lines, today) == share


def test_share_done_on_time_of_one_quarter():
    lines = [
        (Q(2026, 2), DN, D(2026, 7, 5)),
        (Q(2026, 3), DN, D(2026, 10, 5)),
        (Q(2026, 3), DN, D(2026, 11, 1)),  # after the Q3 deadline
        (Q(2026, 3), CN, None),
    ]
    # up to the chosen quarter inclusive: Q2 on time, Q3 one of two
    assert share_done_on_time(lines, D(2026, 12, 7), quarter=Q(2026, 3)) == 66.7
    assert share_done_on_time(lines, D(2026, 12, 7), quarter=Q(2026, 2)) == 100.0
    assert share_done_on_time(lines, D(2026, 12, 7), quarter=Q(2026, 1)) is None
    # Q4's form is not due yet on 7 December: the same lines as up to Q3
    assert share_done_on_time(lines, D(2026, 12, 7), quarter=Q(2026, 4)) == 66.7


# --- progress forms -------------------------------------------------------------------------------------

DR, SB, RT, AC = "draft", "submitted", "returned", "accepted"
FORM_STATES = [DR, SB, RT, AC]
ALLOWED_FORM_MOVES = {(DR, SB), (SB, RT), (SB, AC), (RT, SB)}  # «accepted» is final


def test_form_states_match_the_model_choices():
    assert set(FORM_STATES) == set(FormStatus.values)
    assert set(progress.FORM_MOVES) == set(FORM_STATES)
    assert progress.SCHOOL_EDITABLE == {DR, RT}


@pytest.mark.parametrize(("current", "new"), list(itertools.product(FORM_STATES, FORM_STATES)))
def test_form_move_every_pair(current, new):
    assert form_move_allowed(current, new) is ((current, new) in ALLOWED_FORM_MOVES)


@pytest.mark.parametrize(
    ("status", "today", "overdue"),
    [
        (DR, D(2026, 4, 10), False),  # on the deadline
        (DR, D(2026, 4, 11), True),
        (RT, D(2026, 4, 10), False),
        (RT, D(2026, 5, 1), True),  # returned and not resubmitted after the deadline
        (SB, D(2026, 5, 1), False),
        (AC, D(2026, 5, 1), False),
        (DR, D(2026, 3, 1), False),
    ],
)
def test_form_overdue(status, today, overdue):
    assert form_overdue(status=status, quarter=Q(2026, 1), today=today) is overdue


def test_form_overdue_other_deadline():
    assert form_overdue(status=DR, quarter=Q(2026, 1), today=D(2026, 4, 11), days=15) is False
    assert form_overdue(status=DR, quarter=Q(2026, 1), today=D(2026, 4, 16), days=15) is True


# --- when a form may be sent ------------------------------------------------------------------------------
# The window is from the first day of the quarter's last month to the deadline (and later, marked late; issue #20
# §3). Every quarter, the days around the start of its last month and its end, a leap February, and 7 December
# (the day #17 sent the IV form, now in the window).


@pytest.mark.parametrize(
    ("quarter", "today", "opens"),
    [
        # issue #20 §3: a form can be sent from its quarter's last month on; before that it is a draft.
        (Q(2026, 1), D(2026, 1, 1), False),  # the quarter's first day
        (Q(2026, 1), D(2026, 2, 28), False),  # the day before the last month (a common year)
        (Q(2026, 1), D(2026, 3, 1), True),  # the first day of the last month
        (Q(2026, 1), D(2026, 3, 31), True),  # the quarter's last day
        (Q(2026, 1), D(2026, 4, 1), True),  # the day after
        (Q(2026, 1), D(2026, 4, 10), True),  # the deadline
        (Q(2026, 1), D(2026, 5, 20), True),  # after the deadline: accepted, marked late
        (Q(2024, 1), D(2024, 2, 29), False),  # the day before the last month in a leap year
        (Q(2024, 1), D(2024, 3, 1), True),
        (Q(2026, 2), D(2026, 5, 31), False),
        (Q(2026, 2), D(2026, 6, 1), True),
        (Q(2026, 3), D(2026, 8, 31), False),
        (Q(2026, 3), D(2026, 9, 1), True),
        (Q(2026, 4), D(2026, 10, 1), False),  # its first day
        (Q(2026, 4), D(2026, 11, 30), False),  # the day before the last month
        (Q(2026, 4), D(2026, 12, 1), True),  # the first day of the last month
        (Q(2026, 4), D(2026, 12, 7), True),  # the day
        (Q(2026, 4), D(2026, 12, 31), True),
        (Q(2026, 4), D(2027, 1, 1), True),  # across the new year
        (Q(2026, 4), D(2027, 1, 10), True),
        (Q(2026, 3), D(2026, 12, 7), True),  # the previous quarter is open on the day
        (Q(2027, 1), D(2026, 12, 7), False),  # a future quarter
    ],
)
def test_submit_window(quarter, today, opens):
    assert (progress.submit_problem(quarter, today) is None) is opens


@pytest.mark.parametrize(
    ("quarter", "first_day"),
    [
        (Q(2026, 1), D(2026, 3, 1)),
        (Q(2026, 2), D(2026, 6, 1)),
        (Q(2026, 3), D(2026, 9, 1)),
        (Q(2026, 4), D(2026, 12, 1)),
        (Q(2024, 1), D(2024, 3, 1)),  # a leap year changes nothing: March still starts on the 1st
    ],
)
def test_submit_opens_on_the_first_day_of_the_last_month(quarter, first_day):
    assert progress.submit_opens(quarter) == first_day
    assert quarter.contains(progress.submit_opens(quarter))
    assert progress.submit_opens(quarter) < deadline(quarter)  # the window is never empty


def test_submit_problem_says_when_in_russian():
    assert progress.submit_problem(Q(2026, 4), D(2026, 11, 30)) == (
        "Форму за 4 квартал 2026 г. можно отправить с 01.12.2026 — с начала последнего месяца квартала. "
        "До тех пор заполняйте её и сохраняйте черновик."
    )


@pytest.mark.parametrize(
    ("status", "has_evidence", "has_link", "flagged"),
    [
        (LineStatus.DONE, False, False, True),
        (LineStatus.DONE, True, False, False),
        (LineStatus.DONE, False, True, False),
        (LineStatus.DONE, True, True, False),
        (LineStatus.IN_PROGRESS, False, False, False),
        (LineStatus.NOT_STARTED, False, False, False),
        (LineStatus.POSTPONED, False, False, False),
        (LineStatus.CANCELLED, False, False, False),
    ],
)
def test_unconfirmed(status, has_evidence, has_link, flagged):
    assert progress.unconfirmed(status=status, has_evidence=has_evidence, has_link=has_link) is flagged


# --- «выполнено» without proof needs a reason (issue #20 §3) ------------------------------------------------------

NEEDS_REASON_TEXT = (
    "«Выполнено» без документа и ссылки: напишите в комментарии, почему подтверждения нет, — методист увидит "
    "причину рядом со строкой."
)


@pytest.mark.parametrize(
    ("status", "has_evidence", "has_link", "comment", "refused"),
    [
        ("done", False, False, "", True),
        ("done", False, False, "  \n", True),  # blank is no reason
        ("done", False, False, "Справка у завуча, приложим", False),
        ("done", True, False, "", False),
        ("done", False, True, "", False),
        ("in_progress", False, False, "", False),
        ("postponed", False, False, "", False),  # its reason is asked for by line_move_problem
        ("not_started", False, False, "", False),
    ],
)
def test_unconfirmed_reason_problem(status, has_evidence, has_link, comment, refused):
    problem = progress.unconfirmed_reason_problem(
        status=status, has_evidence=has_evidence, has_link=has_link, comment=comment
    )
    assert problem == (NEEDS_REASON_TEXT if refused else None)
