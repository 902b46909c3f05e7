"""Drafting an ИОМ from deficits. Pure: no ORM.

One line per deficit: a task, an activity from the catalogue, a deadline quarter, the expected result and the
reporting form. The weakest block comes first and gets the earliest quarter; the tutor or methodologist edits
the draft before approving it.
"""

from dataclasses import dataclass

from .progress import Quarter

# Which catalogue activity suits a block first (names as in migration 0002); the rest get a course.
ACTIVITY_FOR_BLOCK = {
    "subject": "Курсы повышения квалификации (КПК)",
    "methodical": "Мастер-класс",
    "psychological": "Семинар, вебинар",
    "legal": "Самообразование",
    "communicative": "Наставничество",
    "digital": "Курсы повышения квалификации (КПК)",
}
DEFAULT_ACTIVITY = "Курсы повышения квалификации (КПК)"
SPECIFIC_ACTIVITY = "Наставничество"
REPORTING_FOR_ACTIVITY = {
    "Курсы повышения квалификации (КПК)": "удостоверение о повышении квалификации",
    "Мастер-класс": "конспект, материалы мастер-класса",
    "Семинар, вебинар": "сертификат участника",
    "Самообразование": "отчёт о самообразовании",
    "Наставничество": "лист посещения уроков, рекомендации наставника",
    "Открытый урок": "технологическая карта урока, лист самоанализа",
}


@dataclass(frozen=True)
class LinePlan:
    deficit: str
    task: str
    activity: str
    due: Quarter
    expected_result: str
    reporting_form: str


def school_year_quarters(school_year: int) -> list[Quarter]:
    """The quarters a school year (September–May) covers for planning: IV of its first year, I–II of the next."""
    return [Quarter(school_year, 4), Quarter(school_year + 1, 1), Quarter(school_year + 1, 2)]


def draft_lines(
    *,
    block_deficits: list[tuple[str, str]],
    specific: list[str],
    school_year: int,
    from_quarter: Quarter | None = None,
) -> list[LinePlan]:
    """Lines for (block code, block name) deficits, weakest first, then the deficits named in words.

    Deadlines cycle over the school year's quarters, starting no earlier than ``from_quarter``.
    """
    quarters = [q for q in school_year_quarters(school_year) if from_quarter is None or q >= from_quarter]
    if not quarters:
        quarters = [from_quarter] if from_quarter else school_year_quarters(school_year)[-1:]
    lines = []
    for index, (code, name) in enumerate(block_deficits):
        activity = ACTIVITY_FOR_BLOCK.get(code, DEFAULT_ACTIVITY)
        lines.append(
            LinePlan(
                deficit=f"{name} блок компетенций",
                task=f"Восполнить дефицит: {name.lower()} блок компетенций",
                activity=activity,
                due=quarters[index % len(quarters)],
                expected_result=f"Результат по блоку «{name}» не ниже порога на следующей диагностике",
                reporting_form=REPORTING_FOR_ACTIVITY.get(activity, "отчёт"),
            )
        )
    for offset, text in enumerate(specific, start=len(lines)):
        lines.append(
            LinePlan(
                deficit=text,
                task=f"Восполнить дефицит: {text}",
                activity=SPECIFIC_ACTIVITY,
                due=quarters[offset % len(quarters)],
                expected_result="Дефицит не выявляется при повторной диагностике",
                reporting_form=REPORTING_FOR_ACTIVITY[SPECIFIC_ACTIVITY],
            )
        )
    return lines
