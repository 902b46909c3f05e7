from datetime import date

import pytest

from core.tabular import parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.01.2024", date(2024, 1, 15)),
        ("5.1.2024", date(2024, 1, 5)),
        (" 15/01/2024 ", date(2024, 1, 15)),
        ("15.01.2024 г.", date(2024, 1, 15)),
        ("2024-01-15", date(2024, 1, 15)),
        ("2024-01-15T10:30:00", date(2024, 1, 15)),  # an Excel date-time cell as the reader gives it
        ("2024-01-15 00:00:00", date(2024, 1, 15)),
        ("", None),
        ("\u00a0 ", None),
    ],
)
def test_parse_date_accepts_russian_iso_and_excel_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["31.02.2024", "2024-13-01", "15.01.24", "01/15/2024", "январь 2024", "45306"]
)
def test_parse_date_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_date(text)
