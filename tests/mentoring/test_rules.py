"""Pure mentoring rules (mentoring.rules): periods, overlaps, partnerships, plan moves, coverage."""

from datetime import date
from itertools import product

import pytest

from mentoring import rules
from mentoring.rules import (
    CANCELLED,
    DONE,
    GROUP,
    IN_PROGRESS,
    PAIR,
    PLAN_MOVES,
    PLANNED,
    Period,
    SchoolCoverageInput,
)

D = date


# --- periods ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, "Укажите дату начала."),
        (None, D(2026, 9, 1), "Укажите дату начала."),
        (
            D(2026, 9, 2),
            D(2026, 9, 1),
            "Период заканчивается (01.09.2026) раньше, чем начинается (02.09.2026).",
        ),
        (
            D(2026, 9, 1),
            D(2025, 12, 31),
            "Период заканчивается (31.12.2025) раньше, чем начинается (01.09.2026).",
        ),
        (D(2026, 9, 1), D(2026, 9, 1), None),  # one day is a period
        (D(2026, 9, 1), D(2027, 5, 31), None),
        (D(2026, 9, 1), None, None),  # open end
    ],
)
def test_period_problem(start, end, expected):
    assert rules.period_problem(start, end) == expected


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        (Period(D(2026, 9, 1), D(2026, 9, 30)), D(2026, 8, 31), False),
        (Period(D(2026, 9, 1), D(2026, 9, 30)), D(2026, 9, 1), True),
        (Period(D(2026, 9, 1), D(2026, 9, 30)), D(2026, 9, 30), True),
        (Period(D(2026, 9, 1), D(2026, 9, 30)), D(2026, 10, 1), False),
        (Period(D(2026, 9, 1)), D(2100, 1, 1), True),
        (Period(D(2026, 9, 1)), D(2026, 8, 31), False),
    ],
)
def test_period_contains_is_inclusive(period, day, expected):
    assert period.contains(day) is expected


SEP_1, SEP_30, OCT_1, OCT_31 = D(2026, 9, 1), D(2026, 9, 30), D(2026, 10, 1), D(2026, 10, 31)

OVERLAP_CASES = [
    # (a, b, overlap, what)
    (Period(SEP_1, SEP_30), Period(SEP_30, OCT_31), True, "touching ends on the same day overlap"),
    (Period(SEP_1, SEP_30), Period(OCT_1, OCT_31), False, "adjacent days do not overlap"),
    (Period(SEP_1, SEP_30), Period(D(2026, 11, 1), D(2026, 11, 30)), False, "apart"),
    (Period(SEP_1, OCT_31), Period(D(2026, 9, 10), D(2026, 9, 20)), True, "one inside the other"),
    (Period(SEP_1, SEP_30), Period(SEP_1, SEP_30), True, "the same period"),
    (Period(SEP_1, SEP_1), Period(SEP_1, SEP_1), True, "the same single day"),
    (Period(SEP_1, SEP_1), Period(D(2026, 9, 2), D(2026, 9, 2)), False, "two consecutive single days"),
    (Period(SEP_1), Period(D(2030, 1, 1), D(2030, 1, 2)), True, "open end reaches forever"),
    (Period(SEP_1), Period(D(2026, 8, 1), D(2026, 8, 31)), False, "open end, the other ends the day before"),
    (Period(SEP_1), Period(D(2026, 8, 1), SEP_1), True, "open end, the other ends on its first day"),
    (Period(SEP_1), Period(D(2020, 1, 1)), True, "two open ends always overlap"),
    (Period(SEP_1, SEP_30), Period(OCT_1), False, "open end starting the day after"),
    (Period(SEP_1, SEP_30), Period(SEP_30), True, "open end starting on the last day"),
]


@pytest.mark.parametrize(("a", "b", "expected", "what"), OVERLAP_CASES, ids=[c[3] for c in OVERLAP_CASES])
def test_periods_overlap_is_symmetric(a, b, expected, what):
    assert rules.periods_overlap(a, b) is expected
    assert rules.periods_overlap(b, a) is expected


@pytest.mark.parametrize(
    ("new", "existing", "expected"),
    [
        (Period(SEP_1, SEP_30), [], None),
        (Period(SEP_1, SEP_30), [("a", Period(OCT_1, OCT_31))], None),
        (Period(SEP_1, SEP_30), [("a", Period(OCT_1, OCT_31)), ("b", Period(SEP_30))], "b"),
        # The first overlapping one in the given order, not the earliest period.
        (Period(SEP_1), [("late", Period(OCT_1)), ("early", Period(D(2026, 8, 1), SEP_1))], "late"),
        (Period(OCT_1), [(1, Period(SEP_1, SEP_30)), (2, Period(SEP_1, OCT_1)), (3, Period(OCT_1))], 2),
    ],
)
def test_first_overlap(new, existing, expected):
    assert rules.first_overlap(new, existing) == expected


def test_first_overlap_accepts_a_generator():
    existing = ((key, Period(D(2026, 9, day), D(2026, 9, day))) for key, day in (("x", 1), ("y", 5)))
    assert rules.first_overlap(Period(D(2026, 9, 5)), existing) == "y"


@pytest.mark.parametrize(
    ("period", "end", "expected"),
    [
        (Period(SEP_1), D(2026, 8, 31), "Дата окончания (31.08.2026) раньше начала назначения (01.09.2026)."),
        (Period(SEP_1), SEP_1, None),  # ended on its first day
        (Period(SEP_1), D(2030, 1, 1), None),  # an open assignment may end any day after its start
        (Period(SEP_1, SEP_30), D(2026, 9, 15), None),  # ended earlier than planned
        (Period(SEP_1, SEP_30), SEP_30, None),  # on the planned day
        (
            Period(SEP_1, SEP_30),
            OCT_1,
            "Назначение уже заканчивается 30.09.2026; продлите его новым приказом.",
        ),
        (
            Period(SEP_1, SEP_30),
            D(2026, 8, 1),
            "Дата окончания (01.08.2026) раньше начала назначения (01.09.2026).",
        ),
    ],
)
def test_end_problem(period, end, expected):
    assert rules.end_problem(period, end) == expected


# --- partnerships -----------------------------------------------------------------------------------------

NO_PARTNER = "Укажите хотя бы одну школу-партнёра."
ITSELF = "Школа не может быть партнёром самой себе."
PAIR_ONE = "В паре у школы ровно один партнёр; для нескольких партнёров выберите тип «группа»."
GROUP_TWO = "В группе не меньше двух школ-партнёров; для одного партнёра выберите тип «пара»."
YEARS = "Последний учебный год партнёрства раньше первого."


@pytest.mark.parametrize(
    ("kind", "count", "itself", "first", "last", "expected"),
    [
        (PAIR, 1, False, 2026, 2026, None),
        (PAIR, 1, False, 2026, 2028, None),
        (PAIR, 2, False, 2026, 2026, PAIR_ONE),
        (PAIR, 3, False, 2026, 2026, PAIR_ONE),
        (GROUP, 1, False, 2026, 2026, GROUP_TWO),
        (GROUP, 2, False, 2026, 2026, None),
        (GROUP, 5, False, 2026, 2027, None),
        (PAIR, 0, False, 2026, 2026, NO_PARTNER),
        (GROUP, 0, False, 2026, 2026, NO_PARTNER),
        ("instrumental", 0, False, 2026, 2026, NO_PARTNER),
        ("instrumental", 1, False, 2026, 2026, None),
        ("identical", 3, False, 2026, 2026, None),
        (PAIR, 1, True, 2026, 2026, ITSELF),
        (GROUP, 2, True, 2026, 2026, ITSELF),
        # Itself is reported before the shape of the partnership, zero partners before anything else.
        (PAIR, 2, True, 2026, 2025, ITSELF),
        (PAIR, 0, True, 2026, 2025, NO_PARTNER),
        (PAIR, 1, False, 2026, 2025, YEARS),
        (GROUP, 2, False, 2027, 2026, YEARS),
        (PAIR, 2, False, 2027, 2026, PAIR_ONE),  # shape before years
    ],
)
def test_partnership_problem(kind, count, itself, first, last, expected):
    problem = rules.partnership_problem(
        kind=kind, partner_count=count, includes_itself=itself, first_year=first, last_year=last
    )
    assert problem == expected


# --- plan items ------------------------------------------------------------------------------------------

STATUSES = (PLANNED, IN_PROGRESS, DONE, CANCELLED)
# The table as the documents describe it, written out independently of PLAN_MOVES.
ALLOWED_MOVES = {
    (PLANNED, IN_PROGRESS),
    (PLANNED, DONE),
    (PLANNED, CANCELLED),
    (IN_PROGRESS, DONE),
    (IN_PROGRESS, CANCELLED),
    (IN_PROGRESS, PLANNED),
    (DONE, IN_PROGRESS),
    (CANCELLED, PLANNED),
}


def test_plan_moves_table_is_the_documented_one():
    assert set(PLAN_MOVES) == set(STATUSES)
    assert {(a, b) for a, targets in PLAN_MOVES.items() for b in targets} == ALLOWED_MOVES


@pytest.mark.parametrize(("current", "new"), list(product(STATUSES, STATUSES)))
def test_plan_move_allowed_for_every_pair(current, new):
    assert rules.plan_move_allowed(current, new) is ((current, new) in ALLOWED_MOVES)
    assert rules.plan_move_allowed(current, new) is (new in PLAN_MOVES[current])


@pytest.mark.parametrize("status", STATUSES)
def test_staying_in_the_same_status_is_not_a_move(status):
    assert rules.plan_move_allowed(status, status) is False


@pytest.mark.parametrize(("current", "new"), [("unknown", PLANNED), (PLANNED, "unknown"), ("", "")])
def test_unknown_statuses_never_move(current, new):
    assert rules.plan_move_allowed(current, new) is False


TODAY = D(2026, 10, 15)


@pytest.mark.parametrize(
    ("status", "due", "overdue"),
    [
        (PLANNED, D(2026, 10, 14), True),
        (IN_PROGRESS, D(2026, 10, 14), True),
        (PLANNED, TODAY, False),  # due today is not yet overdue
        (IN_PROGRESS, TODAY, False),
        (PLANNED, D(2026, 10, 16), False),
        (DONE, D(2026, 1, 1), False),
        (CANCELLED, D(2026, 1, 1), False),
        (DONE, D(2026, 12, 1), False),
    ],
)
def test_plan_item_overdue(status, due, overdue):
    assert rules.plan_item_overdue(status=status, due=due, today=TODAY) is overdue


# --- coverage ------------------------------------------------------------------------------------------


def school(school_id, *, mentor, teachers=(), tutored=()):
    return SchoolCoverageInput(
        school_id=school_id,
        has_mentor=mentor,
        teacher_ids=tuple(teachers),
        tutored_teacher_ids=frozenset(tutored),
    )


def test_coverage_of_an_empty_list_has_no_shares():
    result = rules.coverage([])
    assert result.schools_total == 0
    assert result.teachers_total == 0
    assert result.schools_without_mentor == ()
    assert result.teachers_without_tutor == ()
    assert result.schools_with_mentor == 0
    assert result.teachers_with_tutor == 0
    assert result.mentor_share is None
    assert result.tutor_share is None


def test_coverage_of_schools_without_teachers_has_no_tutor_share():
    result = rules.coverage([school(1, mentor=True), school(2, mentor=False)])
    assert result.mentor_share == 50.0
    assert result.teachers_total == 0
    assert result.tutor_share is None


def test_coverage_lists_the_gaps_in_order():
    result = rules.coverage(
        iter(
            [
                school(10, mentor=True, teachers=(101, 102, 103), tutored={101, 103}),
                school(20, mentor=False, teachers=(201, 202), tutored=set()),
                school(30, mentor=False, teachers=(), tutored=set()),
                # A tutored teacher who is not (or no longer) in the list does not count.
                school(40, mentor=True, teachers=(401,), tutored={401, 999}),
            ]
        )
    )
    assert result.schools_total == 4
    assert result.schools_without_mentor == (20, 30)
    assert result.schools_with_mentor == 2
    assert result.teachers_total == 6
    assert result.teachers_without_tutor == ((10, 102), (20, 201), (20, 202))
    assert result.teachers_with_tutor == 3
    assert result.mentor_share == 50.0
    assert result.tutor_share == 50.0


@pytest.mark.parametrize(
    ("schools", "mentor_share", "tutor_share"),
    [
        ([school(1, mentor=True, teachers=(1,), tutored={1})], 100.0, 100.0),
        ([school(1, mentor=False, teachers=(1,), tutored=())], 0.0, 0.0),
        (
            [school(1, mentor=True), school(2, mentor=False), school(3, mentor=False)],
            33.3,
            None,
        ),
        (
            [school(1, mentor=True), school(2, mentor=True), school(3, mentor=False)],
            66.7,
            None,
        ),
        ([school(1, mentor=True, teachers=(1, 2, 3, 4, 5, 6, 7), tutored={1})], 100.0, 14.3),
    ],
)
def test_coverage_shares(schools, mentor_share, tutor_share):
    result = rules.coverage(schools)
    assert result.mentor_share == mentor_share
    assert result.tutor_share == tutor_share


@pytest.mark.parametrize(
    ("part", "total", "expected"),
    [(0, 0, None), (5, 0, None), (0, 3, 0.0), (1, 3, 33.3), (2, 3, 66.7), (3, 3, 100.0), (1, 8, 12.5)],
)
def test_share(part, total, expected):
    assert rules.share(part, total) == expected
