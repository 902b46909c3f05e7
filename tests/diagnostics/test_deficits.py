"""diagnostics.deficits (pure): percent of the maximum, the threshold, score checks, dynamics."""

from decimal import Decimal

import pytest

from diagnostics.deficits import (
    DEFAULT_THRESHOLD_PERCENT,
    BlockDynamics,
    BlockScore,
    Deficit,
    deficits,
    dynamics,
    score_problem,
)

D = Decimal


def block(code: str, score, max_score=100, name: str | None = None) -> BlockScore:
    return BlockScore(code, name or code.title(), D(str(score)), D(str(max_score)))


# --- percent --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "max_score", "percent"),
    [
        ("0", "100", "0.0"),
        ("100", "100", "100.0"),
        ("60", "100", "60.0"),
        ("30", "50", "60.0"),
        ("2", "3", "66.7"),  # 66.666… → 66.7
        ("1", "3", "33.3"),  # 33.333… → 33.3
        ("12.25", "100", "12.3"),  # half up (banker's rounding would give 12.2)
        ("12.35", "100", "12.4"),
        ("0.45", "100", "0.5"),  # half up (banker's rounding would give 0.4)
        ("12.24", "100", "12.2"),
        ("59.94", "100", "59.9"),
        ("59.95", "100", "60.0"),
        ("7", "8", "87.5"),
        ("45.5", "70", "65.0"),
    ],
)
def test_percent_of_maximum_rounded_half_up_to_one_decimal(score, max_score, percent):
    assert block("subject", score, max_score).percent == D(percent)
    assert str(block("subject", score, max_score).percent) == percent


@pytest.mark.parametrize("max_score", ["0", "-5"])
def test_percent_of_a_zero_or_negative_maximum_is_zero(max_score):
    assert block("subject", "10", max_score).percent == D(0)


# --- the threshold --------------------------------------------------------------------------------------


def test_default_threshold_is_sixty_percent():
    assert DEFAULT_THRESHOLD_PERCENT == 60


@pytest.mark.parametrize(
    ("score", "max_score", "threshold", "is_deficit"),
    [
        # default threshold 60 % of 100
        ("59.9", "100", 60, True),  # just below
        ("59.94", "100", 60, True),  # 59.9 % shown
        ("60", "100", 60, False),  # exactly at the threshold: not a deficit
        ("60.1", "100", 60, False),  # just above
        ("0", "100", 60, True),
        ("100", "100", 60, False),
        # another maximum: 60 % of 50 is 30
        ("29.9", "50", 60, True),
        ("30", "50", 60, False),
        ("30.05", "50", 60, False),
        # another threshold, int or Decimal
        ("69.9", "100", 70, True),
        ("70", "100", 70, False),
        ("70", "100", D(70), False),
        ("49.9", "100", D("50"), True),
        ("1", "100", 1, False),
        ("0", "100", 1, True),
        ("99.9", "100", 100, True),
        ("100", "100", 100, False),
        # Compared exactly: 59.95 % is below 60 % although it is shown rounded as 60.0 %.
        ("59.95", "100", 60, True),
        ("29.99", "50", 60, True),
    ],
)
def test_deficit_below_threshold_only(score, max_score, threshold, is_deficit):
    found = deficits([block("methodical", score, max_score)], threshold)
    assert bool(found) is is_deficit
    if is_deficit:
        assert found[0].code == "methodical"
        assert found[0].threshold == D(threshold)


def test_deficits_default_threshold_is_sixty():
    found = deficits([block("a", "59.9"), block("b", "60")])
    assert [d.code for d in found] == ["a"]
    assert found[0].threshold == D(60)


def test_deficits_weakest_first_ties_by_code():
    scores = [
        block("subject", "50"),
        block("methodical", "20"),
        block("psychological", "80"),
        block("legal", "50"),
        block("digital", "59.9"),
        block("communicative", "0"),
    ]
    found = deficits(scores)
    assert [(d.code, d.percent) for d in found] == [
        ("communicative", D("0.0")),
        ("methodical", D("20.0")),
        ("legal", D("50.0")),  # tie at 50 %: by code
        ("subject", D("50.0")),
        ("digital", D("59.9")),
    ]


def test_no_scores_no_deficits():
    assert deficits([]) == []


def test_deficit_text_is_russian_with_percent_and_threshold():
    found = deficits([block("methodical", "41", "70", name="Методический")])[0]
    assert found == Deficit("methodical", "Методический", D("58.6"), D(60))
    assert found.text == "Методический: 58.6 % при пороге 60 %"


# --- score_problem --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "max_score", "problem"),
    [
        (None, "100", "Укажите балл."),
        ("-0.01", "100", "Балл не может быть отрицательным."),
        ("-5", "100", "Балл не может быть отрицательным."),
        ("0", "100", None),
        ("55.5", "100", None),
        ("100", "100", None),  # the maximum itself is fine
        ("100.01", "100", "Балл 100.01 больше максимума блока (100)."),
        ("101", "100", "Балл 101 больше максимума блока (100)."),
        ("20", "12.5", "Балл 20 больше максимума блока (12.5)."),
        ("12.5", "12.5", None),
    ],
)
def test_score_problem(score, max_score, problem):
    assert score_problem(None if score is None else D(score), D(max_score)) == problem


# --- dynamics -------------------------------------------------------------------------------------------


def test_dynamics_matches_blocks_by_code_in_the_later_order():
    before = {
        "subject": block("subject", "50", name="Предметный"),
        "methodical": block("methodical", "70", name="Методический"),
        "legal": block("legal", "40", name="Нормативно-правовой (старое название)"),
        "old": block("old", "30", name="Убранный блок"),
    }
    after = {
        "methodical": block("methodical", "60", name="Методический"),
        "subject": block("subject", "65", name="Предметный"),
        "legal": block("legal", "40", name="Нормативно-правовой"),
        "digital": block("digital", "10", "20", name="Цифровой"),
    }
    rows = dynamics(before, after)
    assert [(r.code, r.name, r.before, r.after, r.change, r.trend) for r in rows] == [
        ("methodical", "Методический", D("70.0"), D("60.0"), D("-10.0"), "down"),
        ("subject", "Предметный", D("50.0"), D("65.0"), D("15.0"), "up"),
        ("legal", "Нормативно-правовой", D("40.0"), D("40.0"), D("0.0"), "same"),  # the later name
        ("digital", "Цифровой", None, D("50.0"), None, "unknown"),  # not measured before
        ("old", "Убранный блок", D("30.0"), None, None, "unknown"),  # not measured after: comes last
    ]


def test_dynamics_of_nothing_is_empty():
    assert dynamics({}, {}) == []


@pytest.mark.parametrize(
    ("before", "after", "change", "trend"),
    [
        (D("50.0"), D("60.0"), D("10.0"), "up"),
        (D("50.0"), D("50.1"), D("0.1"), "up"),
        (D("60.0"), D("59.9"), D("-0.1"), "down"),
        (D("60.0"), D("60.0"), D("0.0"), "same"),
        (D("0.0"), D("0.0"), D("0.0"), "same"),
        (None, D("60.0"), None, "unknown"),
        (D("60.0"), None, None, "unknown"),
        (None, None, None, "unknown"),
    ],
)
def test_block_dynamics_change_and_trend(before, after, change, trend):
    row = BlockDynamics("subject", "Предметный", before, after)
    assert row.change == change
    assert row.trend == trend
