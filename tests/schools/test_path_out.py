"""The path out of the ШНОР list (issue #21 §1), table by table: the arithmetic at, just under and just over the
threshold, and the condition on next year's results for each way the rule can be set."""

import pytest

from schools.criteria import SAME, ResultFact, RuleParams, Status, evaluate, is_low
from schools.path_out import max_failed, path_out


def r(year, kind, subject, grade, failed, participants):
    return ResultFact(
        year=year, kind=kind, subject=subject, grade=grade, participants=participants, failed=failed
    )


@pytest.mark.parametrize(
    ("participants", "threshold", "expected"),
    [
        (10, 30, 2),  # 3 of 10 is exactly 30 %: low; 2 is the most
        (13, 30, 3),  # 3.9 → ceil 4 → 3 (23.1 %); 4 of 13 is 30.8 %
        (20, 30, 5),  # 6 of 20 = 30 % exactly
        (3, 30, 0),  # 1 of 3 is 33.3 %: not one «2»
        (1, 30, 0),
        (100, 30, 29),
        (1000, 30, 299),
        (7, 25, 1),  # 1.75 → 2 → 1 (14.3 %); 2 of 7 is 28.6 %
        (4, 25, 0),  # 1 of 4 is exactly 25 %
        (5, 100, 4),  # only all five is 100 %
        (5, 1, 0),
        (200, 1, 1),  # 2 of 200 is exactly 1 %
        (333, 30, 99),  # 99.9 → 100 → 99
    ],
)
def test_max_failed_in_integers(participants, threshold, expected):
    assert max_failed(participants, threshold) == expected


@pytest.mark.parametrize("threshold", [1, 7, 25, 30, 33, 50, 99, 100])
@pytest.mark.parametrize("participants", [1, 2, 3, 9, 10, 11, 13, 29, 30, 31, 97, 1000])
def test_max_failed_is_just_under_the_threshold(participants, threshold):
    """At the limit the result is not low; one «2» more makes it low — the same inequality as the rule."""
    limit = max_failed(participants, threshold)
    assert not is_low(limit, participants, threshold)
    assert is_low(limit + 1, participants, threshold)


def test_max_failed_refuses_no_participants():
    with pytest.raises(ValueError, match="Участников"):
        max_failed(0, 30)


# A school on the list of 2024 by criterion 1: two low procedures in 2023, none in 2022.
CRITERION_1 = [
    r(2023, "ВПР", "математика", 5, 5, 13),  # 38.5 %: low
    r(2023, "ВПР", "русский язык", 5, 3, 10),  # 30 % exactly: low
    r(2023, "ОГЭ", "математика", 9, 2, 10),  # 20 %: not low
    r(2022, "ВПР", "математика", 5, 1, 12),
]


def test_a_listed_school_under_the_seed_rule_may_have_no_low_procedure():
    """Any school on the list or at risk had a low procedure in Y-1: under the seed's rule (criterion 2, any
    procedure, two years) one low result next year puts it on the next list again."""
    assert evaluate(2024, CRITERION_1).status == Status.SHNOR
    path = path_out(2024, CRITERION_1)
    assert (path.list_year, path.next_list_year, path.results_year, path.base_year) == (
        2024,
        2025,
        2024,
        2023,
    )
    assert path.allowed_low == 0
    assert [limit.label() for limit in path.limits] == [
        "ВПР, математика, 5 кл.: не более 3 «2» из 13",
        "ВПР, русский язык, 5 кл.: не более 2 «2» из 10",
        "ОГЭ, математика, 9 кл.: не более 2 «2» из 10",
    ]
    assert [(limit.failed, limit.was_low, limit.must_stay_under) for limit in path.limits] == [
        (5, True, True),
        (3, True, True),
        (2, False, True),
    ]
    assert path.conditions == (
        "Чтобы не войти в перечень 2025 года, в 2024 году ни одна процедура не должна дать низкий результат.",
        "Критерий 1: низкий результат в 2024 году — не более чем по 1 процедуре.",
        "Критерий 2: низкие результаты уже были в 2023 году, поэтому в 2024 году — ни одного низкого результата.",
        "Низкий результат — не менее 30 % участников с «2» (ЕГЭ — ниже минимального балла).",
        "Ниже — наибольшее число «2» в каждой процедуре 2023 года при том же числе участников; чтобы не "
        "попасть и в зону риска 2025 года, ни одна процедура не должна его превысить.",
    )


def test_three_year_rule_lets_a_criterion_1_school_keep_one_low_procedure():
    """consecutive_years = 3 and nothing low in 2022: criterion 2 cannot hold for 2025, criterion 1 allows one."""
    params = RuleParams(consecutive_years=3)
    path = path_out(2024, CRITERION_1, params)
    assert path.allowed_low == 1
    assert [limit.must_stay_under for limit in path.limits] == [False, False, False]
    assert path.conditions[:3] == (
        "Чтобы не войти в перечень 2025 года, низкий результат в 2024 году допустим не более чем по 1 процедуре.",
        "Критерий 1: низкий результат в 2024 году — не более чем по 1 процедуре.",
        "Критерий 2 для перечня 2025 года не выполнится: в 2022 году низких результатов не было.",
    )


# Каштановская СОШ (002_…): ОГЭ maths «2» 54 % (2021), 43 % (2022); Russian 31 % (2021).
KASHTANOVSKAYA = [
    r(2021, "ОГЭ", "математика", 9, 27, 50),
    r(2022, "ОГЭ", "математика", 9, 43, 100),
    r(2021, "ОГЭ", "русский язык", 9, 31, 100),
    r(2022, "ОГЭ", "русский язык", 9, 10, 100),
]


def test_kashtanovskaya_after_a_low_year_needs_no_low_procedure_at_all():
    """List 2023 by criterion 2; maths low in 2022, so one low result in 2023 makes the list of 2024 again."""
    assert evaluate(2023, KASHTANOVSKAYA).criteria == (2,)
    path = path_out(2023, KASHTANOVSKAYA)
    assert path.allowed_low == 0
    assert [(limit.label(), limit.must_stay_under) for limit in path.limits] == [
        ("ОГЭ, математика, 9 кл.: не более 29 «2» из 100", True),
        ("ОГЭ, русский язык, 9 кл.: не более 29 «2» из 100", True),
    ]
    assert path.conditions[:3] == (
        "Чтобы не войти в перечень 2024 года, в 2023 году ни одна процедура не должна дать низкий результат.",
        "Критерий 1: низкий результат в 2023 году — не более чем по 1 процедуре.",
        "Критерий 2: низкие результаты уже были в 2022 году, поэтому в 2023 году — ни одного низкого результата.",
    )


def test_same_mode_watches_only_the_procedure_low_the_year_before():
    path = path_out(2023, KASHTANOVSKAYA, RuleParams(criterion2=SAME))
    assert path.allowed_low == 1
    assert path.watched == (("ОГЭ", "математика", 9),)
    assert [(limit.subject, limit.must_stay_under) for limit in path.limits] == [
        ("математика", True),
        ("русский язык", False),
    ]
    assert path.conditions[0] == (
        "Чтобы не войти в перечень 2024 года, низкий результат в 2023 году допустим не более чем по 1 "
        "процедуре, и не по процедурам, названным в критерии 2."
    )
    assert path.conditions[2] == (
        "Критерий 2 (одна и та же процедура): по ОГЭ, математика, 9 кл. в 2023 году не должно быть низкого "
        "результата."
    )


def test_risk_school_with_three_years_needs_both_earlier_years_low():
    """consecutive_years = 3: the list of 2025 by criterion 2 needs low results in 2024, 2023 and 2022."""
    facts = [
        r(2023, "ВПР", "математика", 6, 4, 10),  # low
        r(2022, "ВПР", "математика", 5, 1, 10),  # not low: criterion 2 cannot hold for 2025
    ]
    params = RuleParams(consecutive_years=3)
    assert evaluate(2024, facts, params).status == Status.RISK
    path = path_out(2024, facts, params)
    assert path.allowed_low == 1
    assert path.conditions[2] == (
        "Критерий 2 для перечня 2025 года не выполнится: в 2022 году низких результатов не было."
    )
    path_low = path_out(2024, [*facts[:1], r(2022, "ВПР", "математика", 5, 3, 10)], params)
    assert path_low.allowed_low == 0
    assert path_low.conditions[2] == (
        "Критерий 2: низкие результаты уже были в 2022 и 2023 годах, поэтому в 2024 году — ни одного "
        "низкого результата."
    )


def test_one_year_rule_and_single_procedure_criterion_1():
    facts = [r(2023, "ЕГЭ", "математика профильная", 11, 3, 9)]
    path = path_out(2024, facts, RuleParams(consecutive_years=1, low_procedures=1))
    assert path.allowed_low == 0
    assert path.conditions[1:3] == (
        "Критерий 1: в 2024 году — ни одного низкого результата.",
        "Критерий 2: в 2024 году — ни одного низкого результата.",
    )
    assert [limit.label() for limit in path.limits] == [
        "ЕГЭ, математика профильная, 11 кл.: не более 2 ниже минимального балла из 9"
    ]


def test_uncounted_results_have_no_limit_and_the_words_name_the_settings():
    facts = [
        r(2023, "ВПР", "математика", 5, 4, 10),
        r(2023, "ВПР", "история", 5, 3, 4),  # under the minimum of participants
        r(2023, "ККР", "математика", 7, 5, 10),  # a kind not counted
        r(2023, "ОГЭ", "химия", 9, 1, 12),
    ]
    params = RuleParams(min_participants=5, kinds=frozenset({"ВПР", "ОГЭ"}), threshold=25, low_procedures=3)
    path = path_out(2024, facts, params)
    assert path.allowed_low == 0  # ВПР математика was low in 2023: criterion 2 waits for one more
    assert [limit.label() for limit in path.limits] == [
        "ВПР, математика, 5 кл.: не более 2 «2» из 10",
        "ОГЭ, химия, 9 кл.: не более 2 «2» из 12",
    ]
    assert path.conditions[1] == "Критерий 1: низкий результат в 2024 году — не более чем по 2 процедурам."
    assert path.conditions[3] == (
        "Низкий результат — не менее 25 % участников с «2» (ЕГЭ — ниже минимального балла); процедуры, где "
        "участников меньше 5, не учитываются; учитываются ВПР, ОГЭ."
    )


def test_as_dict_is_json_ready():
    data = path_out(2024, CRITERION_1[:1]).as_dict()
    assert data == {
        "list_year": 2024,
        "next_list_year": 2025,
        "results_year": 2024,
        "base_year": 2023,
        "allowed_low": 0,
        "conditions": list(path_out(2024, CRITERION_1[:1]).conditions),
        "limits": [
            {
                "kind": "ВПР",
                "subject": "математика",
                "grade": 5,
                "participants": 13,
                "failed": 5,
                "max_failed": 3,
                "must_stay_under": True,
                "text": "ВПР, математика, 5 кл.: не более 3 «2» из 13",
            }
        ],
    }
