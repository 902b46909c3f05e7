"""СНИЛС — the insurance number of an individual personal account (ПФР / Социальный фонд России). Pure: no Django.

A СНИЛС is 11 digits, «XXX-XXX-XXX YY»: a nine-digit number and a two-digit check number. The check number rule
is the ПФР's «Алгоритм формирования контрольного числа Страхового номера» (an appendix to the ПФР's formats of
individual (personified) accounting): each of the nine digits is multiplied by its position counted from the right
(the first digit by 9 … the ninth by 1) and the products are summed; a sum below 100 is the check number; 100 and
101 give 00; a larger sum is taken modulo 101, and a remainder of 100 is again 00. The check applies only to
numbers above 001-001-998 (the lower ones were issued before the rule). A qualified certificate carries the СНИЛС
as 11 digits in its subject (OID 1.2.643.100.3, Приказ ФСБ России от 27.12.2011 № 795, п. 17).
"""

import re

# The first number whose check number is checked («больше номера 001-001-998»).
CHECKED_FROM = 1_001_998
_SEPARATORS = re.compile(r"[\s\-]+")


def snils_normalise(value: str) -> str:
    """«112-233-445 95» → «11223344595»: spaces and dashes removed; anything else is left for the check."""
    return _SEPARATORS.sub("", value or "")


def snils_check_number(number: str) -> int:
    """The check number of a nine-digit СНИЛС number (see the module's rule)."""
    total = sum(int(digit) * weight for digit, weight in zip(number, range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


def snils_problem(value: str) -> str | None:
    """Why ``value`` (normalised: 11 digits) is not a СНИЛС, in Russian; None when it is."""
    if len(value) != 11 or not value.isascii() or not value.isdigit():
        return "СНИЛС — 11 цифр, например 112-233-445 95."
    number, check = value[:9], int(value[9:])
    if int(number) > CHECKED_FROM and snils_check_number(number) != check:
        return "Контрольное число СНИЛС не сходится: проверьте номер."
    return None


def snils_display(value: str) -> str:
    """«11223344595» → «112-233-445 95»; anything not of 11 digits is returned as is."""
    if len(value) != 11 or not value.isdigit():
        return value
    return f"{value[:3]}-{value[3:6]}-{value[6:9]} {value[9:]}"
