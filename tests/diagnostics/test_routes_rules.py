"""diagnostics.routes.draft_lines (pure): one line per deficit, weakest first, quarters cycling."""

import pytest

from diagnostics.progress import Quarter
from diagnostics.routes import (
    ACTIVITY_FOR_BLOCK,
    DEFAULT_ACTIVITY,
    REPORTING_FOR_ACTIVITY,
    SPECIFIC_ACTIVITY,
    draft_lines,
    school_year_quarters,
)

Q = Quarter
KPK = "Курсы повышения квалификации (КПК)"


def test_school_year_quarters():
    # 2026 is the school year 2026/27: IV quarter of 2026, I and II of 2027
    assert school_year_quarters(2026) == [Q(2026, 4), Q(2027, 1), Q(2027, 2)]


# Given weakest first; the order must be kept.
BLOCKS = [
    ("digital", "Цифровой"),
    ("subject", "Предметный"),
    ("methodical", "Методический"),
    ("legal", "Нормативно-правовой"),
]
SPECIFIC = ["Не владеет приёмами формирующего оценивания", "Затрудняется в работе с детьми с ОВЗ"]


def test_lines_keep_the_weakest_first_order_then_specific_deficits():
    lines = draft_lines(block_deficits=BLOCKS, specific=SPECIFIC, school_year=2026)
    assert [line.deficit for line in lines] == [
        "Цифровой блок компетенций",
        "Предметный блок компетенций",
        "Методический блок компетенций",
        "Нормативно-правовой блок компетенций",
        "Не владеет приёмами формирующего оценивания",
        "Затрудняется в работе с детьми с ОВЗ",
    ]


@pytest.mark.parametrize(
    ("from_quarter", "dues"),
    [
        # no start given: the whole school year, cycling IV → I → II → IV …
        (None, [Q(2026, 4), Q(2027, 1), Q(2027, 2), Q(2026, 4), Q(2027, 1), Q(2027, 2)]),
        # drafted before the school year starts: all three quarters
        (Q(2026, 3), [Q(2026, 4), Q(2027, 1), Q(2027, 2), Q(2026, 4), Q(2027, 1), Q(2027, 2)]),
        (Q(2026, 4), [Q(2026, 4), Q(2027, 1), Q(2027, 2), Q(2026, 4), Q(2027, 1), Q(2027, 2)]),
        # drafted in January: the past quarter IV is skipped
        (Q(2027, 1), [Q(2027, 1), Q(2027, 2), Q(2027, 1), Q(2027, 2), Q(2027, 1), Q(2027, 2)]),
        (Q(2027, 2), [Q(2027, 2)] * 6),
        # drafted after the school year: everything due in the current quarter
        (Q(2027, 3), [Q(2027, 3)] * 6),
    ],
)
def test_quarters_cycle_from_from_quarter(from_quarter, dues):
    lines = draft_lines(block_deficits=BLOCKS, specific=SPECIFIC, school_year=2026, from_quarter=from_quarter)
    assert [line.due for line in lines] == dues


def test_specific_deficits_continue_the_cycle_after_the_blocks():
    lines = draft_lines(block_deficits=BLOCKS[:1], specific=SPECIFIC, school_year=2026)
    assert [line.due for line in lines] == [Q(2026, 4), Q(2027, 1), Q(2027, 2)]
    lines = draft_lines(block_deficits=[], specific=SPECIFIC, school_year=2026)
    assert [line.due for line in lines] == [Q(2026, 4), Q(2027, 1)]


@pytest.mark.parametrize(
    ("code", "activity", "reporting"),
    [
        ("subject", KPK, "удостоверение о повышении квалификации"),
        ("methodical", "Мастер-класс", "конспект, материалы мастер-класса"),
        ("psychological", "Семинар, вебинар", "сертификат участника"),
        ("legal", "Самообразование", "отчёт о самообразовании"),
        ("communicative", "Наставничество", "лист посещения уроков, рекомендации наставника"),
        ("digital", KPK, "удостоверение о повышении квалификации"),
        ("unknown-block", KPK, "удостоверение о повышении квалификации"),  # a campaign's own block
    ],
)
def test_activity_and_reporting_form_per_block(code, activity, reporting):
    (line,) = draft_lines(block_deficits=[(code, "Особый")], specific=[], school_year=2026)
    assert line.activity == activity
    assert line.reporting_form == reporting
    assert line.deficit == "Особый блок компетенций"
    assert line.task == "Восполнить дефицит: особый блок компетенций"
    assert line.expected_result == "Результат по блоку «Особый» не ниже порога на следующей диагностике"


def test_specific_deficit_line():
    (line,) = draft_lines(block_deficits=[], specific=["Не использует ЦОР"], school_year=2026)
    assert line.deficit == "Не использует ЦОР"
    assert line.task == "Восполнить дефицит: Не использует ЦОР"
    assert line.activity == SPECIFIC_ACTIVITY == "Наставничество"
    assert line.reporting_form == "лист посещения уроков, рекомендации наставника"
    assert line.expected_result == "Дефицит не выявляется при повторной диагностике"


def test_nothing_to_draft():
    assert draft_lines(block_deficits=[], specific=[], school_year=2026) == []


def test_every_activity_has_a_reporting_form():
    for activity in {*ACTIVITY_FOR_BLOCK.values(), DEFAULT_ACTIVITY, SPECIFIC_ACTIVITY}:
        assert activity in REPORTING_FOR_ACTIVITY


@pytest.mark.django_db
def test_draft_activities_exist_in_the_seeded_catalogue():
    """The names must match migration 0002, or route_draft silently falls back to another activity."""
    from diagnostics.models import ActivityKind

    catalogue = set(ActivityKind.objects.values_list("name", flat=True))
    assert {*ACTIVITY_FOR_BLOCK.values(), DEFAULT_ACTIVITY, SPECIFIC_ACTIVITY} <= catalogue
    assert set(REPORTING_FOR_ACTIVITY) <= catalogue
