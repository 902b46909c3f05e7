"""One plural helper for Russian numerals (core.plural) and its template filter."""

import re
from decimal import Decimal
from pathlib import Path

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


# --- a count printed before its noun goes through the helper ------------------------------------------------------

# The portal's count nouns, by their stems (every case and number of each). A number printed right before one of them
# in a template (``{{ n }} школ``) or in Python (``f"{n} школ"``) has its form fixed whatever the number: it must come
# from ``ru_plural`` / ``plural`` / ``count_noun`` instead.
COUNT_NOUNS = (
    r"(?:школ|форм[аыу]?\b|педагог|учител|запис|строк|пункт|файл|ошиб|муниципалитет|справ[ко]|отчёт|мероприят"
    r"|наставник|тьютор|дн(?:я|ей)\b|день\b|лет\b|год(?:а|ов)?\b|участник|процедур|приказ|ключ|балл|дефицит"
    r"|курс|сертификат|уведомлен|час(?:а|ов)?\b|недел|месяц|человек|чис(?:ло|ла|ел)\b|лист|столб|ячее?к"
    r"|знак|символ|страниц|попыт|раз\b|минут|секунд)"
)
# Expressions that print an ordinal or a name, not a count: «2026 год», «строка 5 листа», «2 квартал».
NOT_A_COUNT = re.compile(r"year|previous|latest|second|\bline\b|number|LEVEL_")
TEMPLATE_COUNT = re.compile(r"\{\{\s*([^}]+?)\s*\}\}(?:\s|&nbsp;)+" + COUNT_NOUNS)
PYTHON_COUNT = re.compile(r"\{([^{}]+)\}(?: |\\xa0|\\u00a0)" + COUNT_NOUNS)
ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "schools", "mentoring", "diagnostics", "roadmaps", "reports", "api", "demo", "notifications")


def bare_counts(paths, pattern) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                if not NOT_A_COUNT.search(match.group(1)):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    return found


def test_no_template_prints_a_bare_count_before_its_noun():
    templates = sorted(path for path in (ROOT / "templates").rglob("*") if path.suffix in {".html", ".txt"})
    assert len(templates) > 100
    assert bare_counts(templates, TEMPLATE_COUNT) == []


def test_no_python_string_prints_a_bare_count_before_its_noun():
    sources = sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )
    assert len(sources) > 100
    assert bare_counts(sources, PYTHON_COUNT) == []


@pytest.mark.parametrize(
    ("line", "caught"),
    [
        ("<p>Найдено {{ total }} школ</p>", True),
        ("<p>{{ forms_count }}&nbsp;формы</p>", True),
        ('<p>{{ n }} {{ n|ru_plural:"школа,школы,школ" }}</p>', False),
        ("<p>Перечень {{ year }} года</p>", False),
        ("<p>Найдено школ: {{ total }}</p>", False),
        ("<p>{{ school.name }} — карточка</p>", False),
    ],
)
def test_the_template_scan_tells_a_bare_count(line, caught):
    """The scan itself: a number before a noun is caught; the filter, a year and «школ: N» are not."""
    matches = [m for m in TEMPLATE_COUNT.finditer(line) if not NOT_A_COUNT.search(m.group(1))]
    assert bool(matches) is caught
