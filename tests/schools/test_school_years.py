"""The school year (schools.school_years, pure): which one a day belongs to, and its label."""

from datetime import date as D

import pytest

from schools.school_years import school_year_label, school_year_of


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (D(2026, 8, 31), 2025),
        (D(2026, 9, 1), 2026),
        (D(2026, 12, 31), 2026),
        (D(2027, 1, 1), 2026),
        (D(2027, 5, 25), 2026),
        (D(2027, 8, 31), 2026),
        (D(2027, 9, 1), 2027),
    ],
)
def test_school_year_of(day, year):
    assert school_year_of(day) == year


@pytest.mark.parametrize(
    ("year", "label"),
    [(2026, "2026/27"), (2008, "2008/09"), (2099, "2099/00"), (2000, "2000/01"), (2019, "2019/20")],
)
def test_school_year_label(year, label):
    assert school_year_label(year) == label
