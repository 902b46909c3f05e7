"""The pure ШНОР rule, table by table."""

import pytest

from schools.criteria import (
    ANY,
    SAME,
    Evidence,
    ResultFact,
    RuleParams,
    Status,
    data_years,
    decide,
    default_list_year,
    evaluate,
    is_low,
    list_year_exists,
    list_years,
    movement,
)


def r(year, kind, subject, grade, failed, participants):
    return ResultFact(
        year=year, kind=kind, subject=subject, grade=grade, participants=participants, failed=failed
    )


# Каштановская СОШ (002_…): ОГЭ maths «2» 54% (2021), 43% (2022); ОГЭ Russian «2» 31% (2021).
KASHTANOVSKAYA = [
    r(2021, "ОГЭ", "математика", 9, 27, 50),  # 54%
    r(2022, "ОГЭ", "математика", 9, 43, 100),  # 43%
    r(2021, "ОГЭ", "русский язык", 9, 31, 100),  # 31%
    r(2022, "ОГЭ", "русский язык", 9, 10, 100),  # 10%: not low
]


def test_kashtanovskaya_list_2022_by_criterion_1():
    verdict = evaluate(2022, KASHTANOVSKAYA)
    assert (verdict.status, verdict.criteria) == (Status.SHNOR, (1,))
    assert [(p.subject, p.share) for p in verdict.evidence.low] == [
        ("математика", 54.0),
        ("русский язык", 31.0),
    ]


def test_kashtanovskaya_list_2023_by_criterion_2():
    verdict = evaluate(2023, KASHTANOVSKAYA)
    assert (verdict.status, verdict.criteria) == (Status.SHNOR, (2,))
    assert verdict.low_procedures_text == (
        "ОГЭ математика 9 кл. 2022: 43,0% (43 из 100); ОГЭ математика 9 кл. 2021: 54,0% (27 из 50); "
        "ОГЭ русский язык 9 кл. 2021: 31,0% (31 из 100)"
    )


def test_kashtanovskaya_list_2023_by_criterion_2_in_same_mode_too():
    verdict = evaluate(2023, KASHTANOVSKAYA, RuleParams(criterion2=SAME))
    assert verdict.criteria == (2,)  # maths is low in both years


@pytest.mark.parametrize(
    ("failed", "participants", "threshold", "low"),
    [
        (30, 100, 30, True),  # exactly 30%: "не менее 30%" includes it
        (299, 1000, 30, False),  # 29.9%
        (301, 1000, 30, True),  # 30.1%
        (3, 10, 30, True),
        (2, 10, 30, False),
        (1, 3, 30, True),  # 33.3%
        (0, 0, 30, False),  # no participants: never low
        (0, 5, 30, False),
        (5, 5, 30, True),
        (25, 100, 25, True),
        (24, 100, 25, False),
        (1, 1, 100, True),
    ],
)
def test_is_low_at_the_boundary(failed, participants, threshold, low):
    assert is_low(failed, participants, threshold) is low


@pytest.mark.parametrize(
    ("facts", "params", "status", "criteria"),
    [
        # criterion 1 needs two low procedures in Y-1
        (
            [r(2023, "ВПР", "математика", 5, 30, 100), r(2023, "ВПР", "русский язык", 5, 30, 100)],
            RuleParams(),
            Status.SHNOR,
            (1,),
        ),
        # one at exactly 30%, one at 29.9%: one low procedure → risk
        (
            [r(2023, "ВПР", "математика", 5, 300, 1000), r(2023, "ВПР", "русский язык", 5, 299, 1000)],
            RuleParams(),
            Status.RISK,
            (),
        ),
        # the same subject in two grades = two procedures
        (
            [r(2023, "ВПР", "математика", 5, 40, 100), r(2023, "ВПР", "математика", 6, 40, 100)],
            RuleParams(),
            Status.SHNOR,
            (1,),
        ),
        # both criteria
        (
            [
                r(2023, "ВПР", "математика", 5, 40, 100),
                r(2023, "ОГЭ", "математика", 9, 40, 100),
                r(2022, "ЕГЭ", "русский язык", 11, 3, 10),
            ],
            RuleParams(),
            Status.SHNOR,
            (1, 2),
        ),
        # criterion 2 with different procedures: any → yes, same → no (then risk)
        (
            [r(2023, "ВПР", "математика", 5, 40, 100), r(2022, "ОГЭ", "физика", 9, 40, 100)],
            RuleParams(criterion2=ANY),
            Status.SHNOR,
            (2,),
        ),
        (
            [r(2023, "ВПР", "математика", 5, 40, 100), r(2022, "ОГЭ", "физика", 9, 40, 100)],
            RuleParams(criterion2=SAME),
            Status.RISK,
            (),
        ),
        # same procedure = kind, subject and grade; another grade is another procedure
        (
            [r(2023, "ВПР", "математика", 5, 40, 100), r(2022, "ВПР", "математика", 6, 40, 100)],
            RuleParams(criterion2=SAME),
            Status.RISK,
            (),
        ),
        (
            [r(2023, "ВПР", "математика", 5, 40, 100), r(2022, "ВПР", "математика", 5, 40, 100)],
            RuleParams(criterion2=SAME),
            Status.SHNOR,
            (2,),
        ),
        # a gap year: low in Y-1 and Y-3 but not Y-2 → only risk
        (
            [
                r(2023, "ВПР", "математика", 5, 40, 100),
                r(2021, "ВПР", "математика", 5, 40, 100),
                r(2022, "ВПР", "математика", 5, 10, 100),
            ],
            RuleParams(),
            Status.RISK,
            (),
        ),
        # low only in Y-2: not ШНОР, not risk (risk looks at Y-1)
        (
            [
                r(2022, "ВПР", "математика", 5, 40, 100),
                r(2022, "ВПР", "русский язык", 5, 40, 100),
                r(2023, "ВПР", "математика", 5, 5, 100),
            ],
            RuleParams(),
            Status.NONE,
            (),
        ),
        # ЕГЭ: below the minimum counts as failed
        (
            [r(2023, "ЕГЭ", "математика профильная", 11, 4, 12), r(2023, "ЕГЭ", "русский язык", 11, 4, 12)],
            RuleParams(),
            Status.SHNOR,
            (1,),
        ),
        # no data in Y-1 (only older results)
        ([r(2021, "ВПР", "математика", 5, 40, 100)], RuleParams(), Status.NO_DATA, ()),
        # zero participants is no data
        ([r(2023, "ВПР", "математика", 5, 0, 0)], RuleParams(), Status.NO_DATA, ()),
        # no results at all
        ([], RuleParams(), Status.NO_DATA, ()),
        # results, none low
        ([r(2023, "ВПР", "математика", 5, 1, 100)], RuleParams(), Status.NONE, ()),
        # kinds counted: ВПР ignored → its low results count for nothing, and it is not data either
        (
            [r(2023, "ВПР", "математика", 5, 40, 100), r(2023, "ВПР", "русский язык", 5, 40, 100)],
            RuleParams(kinds=frozenset({"ОГЭ", "ЕГЭ"})),
            Status.NO_DATA,
            (),
        ),
        # minimum participants: a small sample below it does not count
        (
            [r(2023, "ВПР", "математика", 5, 5, 9), r(2023, "ВПР", "русский язык", 5, 40, 100)],
            RuleParams(min_participants=10),
            Status.RISK,
            (),
        ),
        (
            [r(2023, "ВПР", "математика", 5, 5, 10), r(2023, "ВПР", "русский язык", 5, 40, 100)],
            RuleParams(min_participants=10),
            Status.SHNOR,
            (1,),
        ),
        # parameters: three low procedures needed, threshold 25%
        (
            [r(2023, "ВПР", "математика", 5, 40, 100), r(2023, "ВПР", "русский язык", 5, 40, 100)],
            RuleParams(low_procedures=3),
            Status.RISK,
            (),
        ),
        (
            [r(2023, "ВПР", "математика", 5, 25, 100), r(2023, "ВПР", "русский язык", 5, 25, 100)],
            RuleParams(threshold=25),
            Status.SHNOR,
            (1,),
        ),
        # three consecutive years
        (
            [r(2023, "ВПР", "математика", 5, 40, 100), r(2022, "ВПР", "математика", 5, 40, 100)],
            RuleParams(consecutive_years=3),
            Status.RISK,
            (),
        ),
        (
            [
                r(2023, "ВПР", "математика", 5, 40, 100),
                r(2022, "ВПР", "математика", 5, 40, 100),
                r(2021, "ОГЭ", "химия", 9, 40, 100),
            ],
            RuleParams(consecutive_years=3),
            Status.SHNOR,
            (2,),
        ),
        # results of the list year itself and later are not looked at
        (
            [r(2024, "ВПР", "математика", 5, 40, 100), r(2024, "ВПР", "русский язык", 5, 40, 100)],
            RuleParams(),
            Status.NO_DATA,
            (),
        ),
    ],
)
def test_rule_table(facts, params, status, criteria):
    verdict = evaluate(2024, facts, params)
    assert (verdict.status, verdict.criteria) == (status, criteria)


def test_reasons_keep_criteria_procedures_and_shares():
    verdict = evaluate(2022, KASHTANOVSKAYA)
    reasons = verdict.reasons()
    assert reasons["criteria"] == [1]
    assert reasons["low"][0] == {
        "year": 2021,
        "kind": "ОГЭ",
        "subject": "математика",
        "grade": 9,
        "failed": 27,
        "participants": 50,
        "share": 54.0,
    }
    assert verdict.criteria_text == "1"


def test_nothing_to_explain_gives_empty_reasons():
    assert evaluate(2024, [r(2023, "ВПР", "математика", 5, 1, 100)]).reasons() == {}
    assert evaluate(2024, []).reasons() == {}


def test_params_as_dict():
    assert RuleParams(kinds=frozenset({"ОГЭ", "ВПР"})).as_dict() == {
        "threshold": 30,
        "low_procedures": 2,
        "consecutive_years": 2,
        "criterion2": "any",
        "kinds": ["ВПР", "ОГЭ"],
        "min_participants": 1,
        "combine": "any",
    }


def test_decide_ignores_evidence_outside_the_years_looked_at():
    from schools.criteria import LowProcedure

    evidence = Evidence(low=(LowProcedure(2019, "ВПР", "математика", 5, 40, 100),), has_data=True)
    assert decide(2024, evidence, RuleParams()).status == Status.NONE


@pytest.mark.parametrize(
    "bad",
    [
        {"threshold": 0},
        {"threshold": 101},
        {"low_procedures": 0},
        {"consecutive_years": 0},
        {"criterion2": "some"},
        {"min_participants": 0},
    ],
)
def test_params_are_validated(bad):
    with pytest.raises(ValueError):
        RuleParams(**bad)


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (None, Status.SHNOR, "entered"),
        (Status.RISK, Status.SHNOR, "entered"),
        (Status.SHNOR, Status.SHNOR, "stayed"),
        (Status.SHNOR, Status.RISK, "left"),
        (Status.SHNOR, Status.NO_DATA, "left"),
        (Status.NONE, Status.RISK, ""),
        (None, Status.NONE, ""),
    ],
)
def test_movement(before, now, expected):
    assert movement(before, now) == expected


# --- which list years exist, and which one pages open on (issue #17: phantom future years) ------------------

THREE_YEARS = RuleParams(consecutive_years=3)


@pytest.mark.parametrize(
    ("list_year", "params", "expected"),
    [
        (2027, RuleParams(), (2026,)),
        (2027, THREE_YEARS, (2026,)),  # criterion 2 looks at 2024–2026, but needs a low 2026 too
        (2027, RuleParams(consecutive_years=1), (2026,)),
    ],
)
def test_data_years_are_the_year_before(list_year, params, expected):
    assert data_years(list_year, params) == expected


@pytest.mark.parametrize(
    ("list_year", "counted_years", "params", "exists"),
    [
        (2027, {2026}, RuleParams(), True),
        (2027, {2025, 2026}, RuleParams(), True),
        (2028, {2025, 2026}, RuleParams(), False),  # only Y-2: criterion 2 needs a low procedure in Y-1 too
        (2029, {2025, 2026}, THREE_YEARS, False),  # only Y-3
        (2029, {2025, 2026}, RuleParams(), False),  # nothing to look at
        (2026, {2025}, THREE_YEARS, True),
        (2027, set(), RuleParams(), False),
    ],
)
def test_a_list_year_exists_when_its_rule_has_data(list_year, counted_years, params, exists):
    assert list_year_exists(list_year, counted_years, params) is exists


@pytest.mark.parametrize(
    ("counted_years", "params", "expected"),
    [
        ({2023, 2024, 2025, 2026}, RuleParams(), (2027, 2026, 2025, 2024)),  # never 2028 or 2029
        ({2023, 2024, 2025, 2026}, THREE_YEARS, (2027, 2026, 2025, 2024)),
        ({2022, 2026}, RuleParams(), (2027, 2023)),  # a gap in the results is a gap in the lists
        ({2026}, RuleParams(consecutive_years=1), (2027,)),
        (set(), RuleParams(), ()),
    ],
)
def test_list_years(counted_years, params, expected):
    assert list_years(counted_years, params) == expected


@pytest.mark.parametrize(
    ("years", "current_year", "expected"),
    [
        ([2027, 2026, 2025, 2024], 2026, 2026),  # the list in force, not the one computed ahead
        ([2024, 2025, 2026, 2027], 2026, 2026),  # in any order
        ([2027, 2026], 2027, 2027),
        ([2025, 2024], 2026, 2025),  # no list of this year yet: the newest before it
        ([2027], 2026, 2027),  # only the list computed ahead: that one
        ([], 2026, None),
    ],
)
def test_default_list_year(years, current_year, expected):
    assert default_list_year(years, current_year) == expected
