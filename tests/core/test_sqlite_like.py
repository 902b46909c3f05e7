"""The embedded database's LIKE folds the case of Russian letters (core/sqlite.py): the demo's search finds
«Солонецкая» by «солонецкая», as PostgreSQL does."""

import sqlite3

import pytest

from core.sqlite import like, register


@pytest.mark.parametrize(
    ("value", "pattern", "escape", "expected"),
    [
        ("МБОУ «Солонецкая СОШ»", "%солонецкая%", "\\", True),
        ("МБОУ «Солонецкая СОШ»", "%СОЛОНЕЦКАЯ%", "\\", True),
        ("Ёлкинская СОШ", "ёлк%", "\\", True),
        ("Каштановская СОШ", "%солонецкая%", "\\", False),
        ("sch610001", "SCH6100_1", None, True),
        ("sch610001", "sch6100_", None, False),  # _ is exactly one character
        ("100% выполнено", "100\\% %", "\\", True),  # an escaped % is a percent sign
        ("1005 выполнено", "100\\% %", "\\", False),
        ("a_b", "a\\_b", "\\", True),
        ("axb", "a\\_b", "\\", False),
        ("строка\nвторая", "%вторая", "\\", True),  # % spans line breaks, as in SQL
        (None, "%", "\\", None),
        ("x", None, "\\", None),
    ],
)
def test_like(value, pattern, escape, expected):
    assert like(pattern, value, escape) is expected


def test_a_registered_connection_matches_russian_text_whatever_its_case():
    connection = sqlite3.connect(":memory:")
    try:
        query = "SELECT ? LIKE ? ESCAPE '\\', ? LIKE ?"
        args = ("Солонецкая", "%солон%", "Солонецкая", "СОЛОН%")
        assert connection.execute(query, args).fetchone() == (0, 0)  # SQLite's own LIKE: ASCII only
        register(connection)
        assert connection.execute(query, args).fetchone() == (1, 1)
    finally:
        connection.close()
