"""Dates of a roadmap item as people write them in Word tables. Pure: no ORM.

002_… writes «Март-апрель 2023г», «Май-октябрь 2023», «Декабрь 2023», «2023», «в течение года».
"""

import calendar
import datetime
import re

MONTHS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,  # май, мая (checked after «март»)
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
_ALL_YEAR = re.compile(r"в\s+течени[ие]\s+(учебного\s+)?года|ежемесячно|постоянно", re.IGNORECASE)
_YEAR = re.compile(r"(20\d\d)")
_YEAR_FILLER = frozenset(
    {"в", "на", "за", "весь", "всего", "течение", "течении", "г", "гг", "год", "года", "году", "го"}
)


def _month(word: str) -> int | None:
    word = word.lower().strip(" .,-–—")
    for stem, number in MONTHS.items():
        if word.startswith(stem) and (stem != "ма" or word in ("май", "мая", "мае")):
            return number
    return None


def parse_period_text(
    text: str, default_year: int
) -> tuple[datetime.date | None, datetime.date | None, bool]:
    """(start, end, all_year) from a Russian description; ValueError with a Russian message when unreadable."""
    cleaned = " ".join(text.replace("\u00a0", " ").split())
    if not cleaned:
        return None, None, False
    if _ALL_YEAR.search(cleaned):
        return None, None, True
    years = [int(y) for y in _YEAR.findall(cleaned)]
    words = re.split(r"[\s\-–—,]+", re.sub(r"20\d\dг?\.?", " ", cleaned))
    months = [m for m in (_month(w) for w in words if w) if m]
    if not months:
        # «2023», «2023 год», «в течение 2023 года»; not «IV квартал 2023» or «01.03.2023» read as a whole year.
        leftover = {w.lower() for w in re.split(r"[\s\-–—,.]+", " ".join(words)) if w}
        if len(years) == 1 and leftover <= _YEAR_FILLER:
            year = years[0]
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31), False
        raise ValueError(
            f"Срок «{cleaned[:60]}» не распознан: укажите, например, «март–апрель 2027» или даты."
        )
    first_year = years[0] if years else default_year
    last_year = years[-1] if years else first_year
    start_month, end_month = months[0], months[-1]
    if end_month < start_month and last_year == first_year:
        last_year += 1  # «сентябрь–май»: across the new year
    # A day written before a month («1 марта», «до 15 мая») pins that end of the period to the day.
    days = _days_before_months(cleaned)
    start_day = days[0] if days and days[0][0] == 0 else None
    end_day = days[-1] if days and days[-1][0] == len(months) - 1 else None
    start = datetime.date(first_year, start_month, start_day[1] if start_day else 1)
    last = calendar.monthrange(last_year, end_month)[1]
    end = datetime.date(last_year, end_month, min(end_day[1], last) if end_day else last)
    if _UNTIL.match(cleaned):
        return None, end, False  # «до 15 мая 2024»: a deadline, no start
    return start, end, False


_UNTIL = re.compile(r"^(до|не позднее)\s", re.IGNORECASE)


def _days_before_months(text: str) -> list[tuple[int, int]]:
    """(index of the month among the text's months, day) for each «<day> <month>» in the text."""
    found = []
    month_index = -1
    for word_match in re.finditer(r"(\d{1,2}\s+)?([А-Яа-яЁё]+)", text):
        if _month(word_match.group(2)) is None:
            continue
        month_index += 1
        if word_match.group(1):
            day = int(word_match.group(1))
            if 1 <= day <= 31:
                found.append((month_index, day))
    return found
