"""What the sections share: the school columns of a table, a share of failed in percent, and a region's
tables aggregated per municipality."""

from ...context import Column
from ..scope import BuildScope

MUNICIPALITY_COLUMN = Column("Муниципалитет", width=36)


def school_columns(scope: BuildScope) -> tuple[Column, ...]:
    if scope.regional:
        return (Column("Школа", width=44), Column("Муниципалитет", width=24))
    return (Column("Школа", width=48),)


def share_percent(failed: int, participants: int) -> float | None:
    return round(100 * failed / participants, 1) if participants else None


def municipalities_of(scope: BuildScope, school_ids) -> list[str]:
    """The municipalities of these schools, in the schools' order (a region's focus runs by municipality and
    name), each once: the rows of a table aggregated per municipality."""
    return list(dict.fromkeys(scope.schools[pk].municipality for pk in school_ids))


def per_school_note(sheet: str, what: str = "по школам") -> str:
    """A region's справка prints a per-municipality table; the head finds the detail in the workbook."""
    return f"Список {what} — в приложении Excel (лист «{sheet}»)."
