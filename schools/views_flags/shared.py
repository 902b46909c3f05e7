"""Pieces the ШНОР pages share: a year from a query. Who may see them: schools.policies."""

from ..forms import YEAR_MAX, YEAR_MIN

# --- shared pieces -----------------------------------------------------------------------------------


def parse_year(value: str | None) -> int | None:
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if YEAR_MIN <= year <= YEAR_MAX else None
