"""The school card's «Контекст по годам» panel: what ФИС ОКО's context forms said about the school, per year,
and how many schools of the region live in a like settlement (registered in SchoolsConfig.ready())."""

from .panels import register_panel
from .selectors_context import comparable_schools, school_contexts


def school_card(user, school, today) -> dict:
    contexts = school_contexts(school)
    latest = contexts[0] if contexts else None
    return {
        "school_contexts": contexts,
        "comparable_count": comparable_schools(school, latest.year, user).count() if latest else 0,
    }


def register() -> None:
    register_panel("school", "context", school_card)
