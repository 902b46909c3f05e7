"""The programme's indicators as pure functions: numerators, denominators, «нет данных», the traffic light."""

import pytest

from indicators import rules as ind
from indicators.rules import GREEN, NONE, RED, YELLOW, IndicatorCounts

TEACHER_INDICATORS = [
    (ind.methodological_support, ind.SUPPORT, 100.0),
    (ind.diagnostics_passed, ind.DIAGNOSED, 100.0),
    (ind.routes_from_diagnostics, ind.ROUTES, 100.0),
    (ind.courses_recent, ind.COURSES, 100.0),
    (ind.categories, ind.CATEGORIES, 90.0),
    (ind.positive_dynamics, ind.DYNAMICS, 100.0),
]


@pytest.mark.parametrize(("function", "code", "target"), TEACHER_INDICATORS)
@pytest.mark.parametrize(
    ("numerator", "denominator", "value"),
    [
        (0, 1, 0.0),
        (1, 1, 100.0),
        (1, 3, 33.3),
        (2, 3, 66.7),  # half up
        (7, 8, 87.5),
        (17, 20, 85.0),
        (999, 1000, 99.9),
        (1999, 2000, 100.0),  # 99.95 rounds half up to 100.0
    ],
)
def test_count_indicators_show_both_numbers_and_the_share(
    function, code, target, numerator, denominator, value
):
    result = function(numerator, denominator)
    assert (result.code, result.numerator, result.denominator, result.value, result.target) == (
        code,
        numerator,
        denominator,
        value,
        target,
    )
    assert result.title == ind.TITLES[code]


@pytest.mark.parametrize(("function", "code", "target"), TEACHER_INDICATORS)
def test_empty_denominator_is_no_data_not_an_error(function, code, target):
    result = function(0, 0)
    assert result.value is None
    assert result.light == NONE
    assert result.value_label == "нет данных"
    assert result.light_label == "нет данных"
    assert not result.has_data
    assert (result.numerator, result.denominator) == (0, 0)


@pytest.mark.parametrize(
    ("function", "participants", "failed", "numerator", "value"),
    [
        (ind.vpr_success, 100, 0, 100, 100.0),
        (ind.vpr_success, 100, 25, 75, 75.0),
        (ind.vpr_success, 60, 60, 0, 0.0),
        (ind.vpr_success, 3, 1, 2, 66.7),
        (ind.gia_success, 48, 6, 42, 87.5),
        (ind.gia_success, 1, 0, 1, 100.0),
    ],
)
def test_results_indicators_are_one_minus_failed_over_participants(
    function, participants, failed, numerator, value
):
    result = function(participants, failed)
    assert (result.numerator, result.denominator, result.value) == (numerator, participants, value)


@pytest.mark.parametrize("function", [ind.vpr_success, ind.gia_success])
def test_results_without_participants_are_no_data(function):
    result = function(0, 0)
    assert (result.value, result.light, result.value_label) == (None, NONE, "нет данных")


@pytest.mark.parametrize(("numerator", "denominator"), [(2, 1), (-1, 3), (1, -3)])
def test_inconsistent_counts_are_refused(numerator, denominator):
    with pytest.raises(ValueError):
        ind.courses_recent(numerator, denominator)


@pytest.mark.parametrize(("participants", "failed"), [(5, 6), (-1, 0), (3, -1)])
def test_inconsistent_results_are_refused(participants, failed):
    with pytest.raises(ValueError):
        ind.vpr_success(participants, failed)


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (None, 100, NONE),
        (100.0, 100, GREEN),
        (99.9, 100, YELLOW),
        (90.0, 100, YELLOW),  # the yellow band includes its lower edge
        (89.9, 100, RED),
        (0.0, 100, RED),
        (90.0, 90, GREEN),  # categories: 90 % is the target
        (95.0, 90, GREEN),
        (80.0, 90, YELLOW),
        (79.9, 90, RED),
        (0.0, 0, GREEN),  # a zero target is met by anything measured
    ],
)
def test_light_boundaries(value, target, expected):
    assert ind.light(value, target) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "light"),
    [(9, 10, GREEN), (8, 10, YELLOW), (79, 100, RED), (0, 0, NONE)],
)
def test_categories_light_against_its_90_percent_target(numerator, denominator, light):
    assert ind.categories(numerator, denominator).light == light


def test_light_compares_the_value_shown():
    # 1799/2000 = 89.95 % shows as «90 %» and meets the 90 % target, rather than a red «90 %».
    result = ind.categories(1799, 2000)
    assert (result.value, result.value_label, result.light) == (90.0, "90 %", GREEN)


def test_target_can_be_overridden():
    assert ind.courses_recent(8, 10, target=80).light == GREEN
    assert ind.courses_recent(8, 10).light == RED
    assert ind.courses_recent(9, 10).light == YELLOW
    assert ind.courses_recent(8, 10, target=80).target_label == "80 %"


@pytest.mark.parametrize(
    ("value", "label"), [(87.5, "87,5 %"), (100.0, "100 %"), (0.0, "0 %"), (33.3, "33,3 %")]
)
def test_percent_label_is_russian(value, label):
    assert ind.percent_label(value) == label


def test_every_indicator_has_a_docstring_naming_numerator_and_denominator():
    for function in (
        ind.methodological_support,
        ind.diagnostics_passed,
        ind.routes_from_diagnostics,
        ind.courses_recent,
        ind.categories,
        ind.positive_dynamics,
        ind.vpr_success,
        ind.gia_success,
    ):
        assert "Numerator:" in function.__doc__
        assert "Denominator:" in function.__doc__


def test_default_targets_follow_the_programme():
    assert ind.DEFAULT_TARGETS == {
        "support": 100.0,
        "diagnosed": 100.0,
        "routes": 100.0,
        "courses": 100.0,
        "categories": 90.0,
        "dynamics": 100.0,
        "vpr": 100.0,
        "gia": 100.0,
    }


def test_counts_add_up_and_give_the_eight_indicators_in_order():
    school_a = IndicatorCounts(
        teachers=10,
        supported=10,
        subject_teachers=8,
        diagnosed=8,
        with_route=6,
        trained=9,
        categorised=7,
        compared=4,
        improved=3,
        vpr_participants=100,
        vpr_failed=20,
        gia_participants=0,
        gia_failed=0,
    )
    school_b = IndicatorCounts(teachers=10, supported=5, subject_teachers=2, diagnosed=0, categorised=11 - 1)
    both = ind.total([school_a, school_b])
    assert both.teachers == 20 and both.supported == 15 and both.categorised == 17
    result = {i.code: (i.numerator, i.denominator, i.value, i.light) for i in both.indicators()}
    assert list(result) == list(ind.CODES)
    assert result == {
        "support": (15, 20, 75.0, RED),
        "diagnosed": (8, 10, 80.0, RED),
        "routes": (6, 10, 60.0, RED),
        "courses": (9, 20, 45.0, RED),
        "categories": (17, 20, 85.0, YELLOW),
        "dynamics": (3, 4, 75.0, RED),
        "vpr": (80, 100, 80.0, RED),
        "gia": (0, 0, None, NONE),
    }
    assert ind.total([]) == IndicatorCounts()
    assert all(i.value is None for i in IndicatorCounts().indicators())


def test_targets_passed_to_counts_override_the_defaults():
    counts = IndicatorCounts(teachers=10, categorised=8)
    by_code = {i.code: i for i in counts.indicators({"categories": 80})}
    assert (by_code["categories"].target, by_code["categories"].light) == (80.0, GREEN)
    assert by_code["support"].target == 100.0


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (ind.SUPPORT, "в реестре нет действующих педагогов школ перечня"),
        (ind.DIAGNOSED, "в реестре нет учителей-предметников школ перечня (педагогов с указанным предметом)"),
        (ind.ROUTES, "в реестре нет учителей-предметников школ перечня (педагогов с указанным предметом)"),
        (ind.COURSES, "в реестре нет действующих педагогов школ перечня"),
        (ind.CATEGORIES, "в реестре нет действующих педагогов школ перечня"),
        (ind.DYNAMICS, "нет результатов процедур 2026 года, которые школы писали и в 2025 году"),
        (ind.VPR, "нет загруженных результатов ВПР 2026 года"),
        (ind.GIA, "нет загруженных результатов ОГЭ и ЕГЭ 2026 года"),
    ],
)
def test_an_indicator_without_data_says_why(code, reason):
    # issue #17, item 12: «0 / 0 —» is never printed without its reason
    assert ind.no_data_reason(code, 2026) == reason
    assert {ind.no_data_reason(c, 2026) != "" for c in ind.CODES} == {True}
