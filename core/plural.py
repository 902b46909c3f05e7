"""Russian plural forms after a number: 1 форма, 2 формы, 5 форм, 21 форма, 111 форм.

The rule is CLDR's for Russian (https://www.unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html
#ru): «one» — ends in 1 but not 11; «few» — ends in 2–4 but not 12–14; «many» — the rest. A fraction takes
the genitive singular, which is the «few» form of a count noun (1,5 формы, 0,5 школы). Pure: no Django.
"""

from decimal import Decimal


def plural(n: int | float | Decimal, one: str, few: str, many: str) -> str:
    """The form of a noun (or a phrase) that agrees with ``n``: ``plural(2, "форма", "формы", "форм")`` → «формы»."""
    if n != int(n):
        return few
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def count_noun(n: int, one: str, few: str, many: str) -> str:
    """The number with its agreeing noun: ``count_noun(21, "школа", "школы", "школ")`` → «21 школа»."""
    return f"{n} {plural(n, one, few, many)}"
