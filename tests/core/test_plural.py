"""One plural helper for Russian numerals (core.plural) and its template filter."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.plural import count_noun, plural

FORMS = ("форма", "формы", "форм")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "форм"),
        (1, "форма"),
        (2, "формы"),
        (4, "формы"),
        (5, "форм"),
        (11, "форм"),
        (12, "форм"),
        (14, "форм"),
        (21, "форма"),
        (22, "формы"),
        (25, "форм"),
        (101, "форма"),
        (111, "форм"),
        (112, "форм"),
        (1001, "форма"),
        (-1, "форма"),
        (-3, "формы"),
        (Decimal("1.5"), "формы"),  # a fraction: genitive singular
        (0.5, "формы"),
        (2.0, "формы"),
    ],
)
def test_plural(n, expected):
    assert plural(n, *FORMS) == expected


def test_count_prints_the_number_and_the_noun():
    assert [count_noun(n, "школа", "школы", "школ") for n in (1, 3, 11, 21)] == [
        "1 школа",
        "3 школы",
        "11 школ",
        "21 школа",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0 форм"),
        (1, "1 форма"),
        (2, "2 формы"),
        (4, "4 формы"),
        (5, "5 форм"),
        (11, "11 форм"),
        (12, "12 форм"),
        (14, "14 форм"),
        (21, "21 форма"),
        (22, "22 формы"),
        (25, "25 форм"),
        (101, "101 форма"),
        (111, "111 форм"),
        ("3", "3 формы"),
        (None, "None форм"),
    ],
)
def test_template_filter(value, expected):
    template = Template('{% load plural %}{{ n }} {{ n|ru_plural:"форма, формы, форм" }}')
    assert template.render(Context({"n": value})) == expected
