"""roadmaps.periods.parse_period_text: the «Сроки» of a roadmap as people write them in Word tables.

The strings are the ones of the Обливский район roadmap (002_… of the domain documents) and their usual
variants: capitals, «г»/«г.»/«года», non-breaking spaces, hyphens, en and em dashes.
"""

import datetime

import pytest

from roadmaps.periods import parse_period_text

D = datetime.date
NBSP = "\u00a0"
DEFAULT_YEAR = 2027  # the year of the roadmap's start, used when the text names none

CASES = [
    # 002_…, as written there
    ("Март-апрель 2023г", (D(2023, 3, 1), D(2023, 4, 30), False)),
    ("Май-октябрь 2023", (D(2023, 5, 1), D(2023, 10, 31), False)),
    ("Март-декабрь 2023", (D(2023, 3, 1), D(2023, 12, 31), False)),
    ("март-декабрь 2023", (D(2023, 3, 1), D(2023, 12, 31), False)),
    ("Декабрь 2023", (D(2023, 12, 1), D(2023, 12, 31), False)),
    ("Ноябрь-декабрь 2023", (D(2023, 11, 1), D(2023, 12, 31), False)),
    ("Ноябрь – декабрь 2023", (D(2023, 11, 1), D(2023, 12, 31), False)),
    ("Апрель 2023", (D(2023, 4, 1), D(2023, 4, 30), False)),
    ("Апрель-май 2023г.", (D(2023, 4, 1), D(2023, 5, 31), False)),
    ("Май-август 2023", (D(2023, 5, 1), D(2023, 8, 31), False)),
    ("Март-ноябрь 2023", (D(2023, 3, 1), D(2023, 11, 30), False)),
    ("2023", (D(2023, 1, 1), D(2023, 12, 31), False)),
    # all year round
    ("в течение года", (None, None, True)),
    ("В течение года", (None, None, True)),
    ("в течении года", (None, None, True)),
    ("в течение учебного года", (None, None, True)),
    ("В  ТЕЧЕНИЕ  ГОДА", (None, None, True)),
    (f"в{NBSP}течение{NBSP}года", (None, None, True)),
    ("ежемесячно", (None, None, True)),
    ("Ежемесячно", (None, None, True)),
    ("постоянно", (None, None, True)),
    # months in other cases, «май» among the words starting with «ма»
    ("мая 2024", (D(2024, 5, 1), D(2024, 5, 31), False)),
    ("в мае 2024", (D(2024, 5, 1), D(2024, 5, 31), False)),
    ("Май 2024", (D(2024, 5, 1), D(2024, 5, 31), False)),
    ("марта 2024", (D(2024, 3, 1), D(2024, 3, 31), False)),
    ("Февраль 2024", (D(2024, 2, 1), D(2024, 2, 29), False)),  # a leap year's February
    ("февраль 2023", (D(2023, 2, 1), D(2023, 2, 28), False)),
    ("Январь-июнь 2025", (D(2025, 1, 1), D(2025, 6, 30), False)),
    ("июль-сентябрь 2025", (D(2025, 7, 1), D(2025, 9, 30), False)),
    ("Август 2025", (D(2025, 8, 1), D(2025, 8, 31), False)),
    # the year written in various ways
    ("Декабрь 2023 года", (D(2023, 12, 1), D(2023, 12, 31), False)),
    ("Март – апрель 2023 г.", (D(2023, 3, 1), D(2023, 4, 30), False)),
    ("Март-апрель 2023г.", (D(2023, 3, 1), D(2023, 4, 30), False)),
    ("2023 г.", (D(2023, 1, 1), D(2023, 12, 31), False)),
    ("2023г.", (D(2023, 1, 1), D(2023, 12, 31), False)),
    ("2023 год", (D(2023, 1, 1), D(2023, 12, 31), False)),
    ("в 2023 году", (D(2023, 1, 1), D(2023, 12, 31), False)),
    ("в течение 2023 года", (D(2023, 1, 1), D(2023, 12, 31), False)),
    # dashes and spaces
    ("Март–апрель 2023", (D(2023, 3, 1), D(2023, 4, 30), False)),  # en dash
    ("Март—апрель 2023", (D(2023, 3, 1), D(2023, 4, 30), False)),  # em dash
    ("Март — апрель 2023", (D(2023, 3, 1), D(2023, 4, 30), False)),
    (f"Март{NBSP}–{NBSP}апрель{NBSP}2023", (D(2023, 3, 1), D(2023, 4, 30), False)),
    (f"Декабрь{NBSP}2023", (D(2023, 12, 1), D(2023, 12, 31), False)),
    (f"  Май-октябрь   2023{NBSP} ", (D(2023, 5, 1), D(2023, 10, 31), False)),
    ("Март,апрель 2023", (D(2023, 3, 1), D(2023, 4, 30), False)),
    # no year: the roadmap's year
    ("Март-апрель", (D(DEFAULT_YEAR, 3, 1), D(DEFAULT_YEAR, 4, 30), False)),
    ("декабрь", (D(DEFAULT_YEAR, 12, 1), D(DEFAULT_YEAR, 12, 31), False)),
    # across the new year
    ("сентябрь–май", (D(DEFAULT_YEAR, 9, 1), D(DEFAULT_YEAR + 1, 5, 31), False)),
    ("Сентябрь-май", (D(DEFAULT_YEAR, 9, 1), D(DEFAULT_YEAR + 1, 5, 31), False)),
    ("Сентябрь 2025 – май 2026", (D(2025, 9, 1), D(2026, 5, 31), False)),
    ("сентябрь–май 2025–2026", (D(2025, 9, 1), D(2026, 5, 31), False)),
    ("Ноябрь 2023 - январь 2024", (D(2023, 11, 1), D(2024, 1, 31), False)),
    ("апрель 2023 — апрель 2024", (D(2023, 4, 1), D(2024, 4, 30), False)),
    # A single year after a range across the new year is taken as the start's year (the behaviour today;
    # «сентябрь–май 2026» may also be read as the school year 2025/26 — see the report).
    ("сентябрь–май 2026", (D(2026, 9, 1), D(2027, 5, 31), False)),
    # several months: from the first to the last
    ("январь, март, май 2024", (D(2024, 1, 1), D(2024, 5, 31), False)),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_real_world_strings(text, expected):
    assert parse_period_text(text, DEFAULT_YEAR) == expected


@pytest.mark.parametrize("text", ["", "   ", NBSP, f" {NBSP}\t"])
def test_empty_is_no_period(text):
    assert parse_period_text(text, DEFAULT_YEAR) == (None, None, False)


def test_default_year_is_used_only_without_a_year():
    assert parse_period_text("Март", 2030) == (D(2030, 3, 1), D(2030, 3, 31), False)
    assert parse_period_text("Март 2023", 2030) == (D(2023, 3, 1), D(2023, 3, 31), False)
    assert parse_period_text("2023", 2030) == (D(2023, 1, 1), D(2023, 12, 31), False)


@pytest.mark.parametrize(("text", "_expected"), CASES, ids=[text for text, _ in CASES])
def test_every_result_is_in_order(text, _expected):
    start, end, all_year = parse_period_text(text, DEFAULT_YEAR)
    if all_year:
        assert (start, end) == (None, None)
    else:
        assert start <= end
        assert start.day == 1


UNREADABLE = [
    "по мере необходимости",
    "Срок уточняется",
    "—",
    "весна",
    "весна 2023",  # a year with words the parser does not know: not silently «the whole year»
    "IV квартал 2023",
    "1 квартал 2024",
    "I полугодие 2024",
    "01.03.2023",  # dates belong to the «Начало» and «Окончание» columns
    "2023-2024",
    "2023, 2024",
    "маячок",
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_is_a_russian_value_error(text):
    with pytest.raises(ValueError) as excinfo:
        parse_period_text(text, DEFAULT_YEAR)
    message = str(excinfo.value)
    assert message.startswith(f"Срок «{' '.join(text.split())}» не распознан")
    assert "укажите, например, «март–апрель 2027» или даты" in message


def test_a_long_unreadable_text_is_cut_in_the_message():
    text = "Проведение мероприятий по мере поступления заявок от образовательных организаций района"
    with pytest.raises(ValueError) as excinfo:
        parse_period_text(text, DEFAULT_YEAR)
    assert f"«{text[:60]}»" in str(excinfo.value)


def test_a_day_with_a_month_is_that_day():
    assert parse_period_text("1 марта 2023г.", DEFAULT_YEAR) == (D(2023, 3, 1), D(2023, 3, 1), False)


def test_until_a_day_ends_on_that_day():
    _start, end, _all_year = parse_period_text("до 15 мая 2024", DEFAULT_YEAR)
    assert end == D(2024, 5, 15)
