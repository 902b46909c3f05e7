"""The school year: 1 September to 31 August, named by the year it starts. Pure: no ORM.

Mentoring's partnerships run over school years and an ИОМ belongs to one, so the two areas read the school year
here, below both of them.
"""

from datetime import date


def school_year_of(day: date) -> int:
    """The school year a day belongs to, by the year it starts: 1 Sep 2026 … 31 Aug 2027 → 2026."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_label(start_year: int) -> str:
    """«2026/27»: the school year starting in ``start_year``."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"
