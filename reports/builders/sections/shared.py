"""What the sections share: the school columns of a table and a share of failed in percent."""

from ...context import Column
from ..scope import BuildScope


def school_columns(scope: BuildScope) -> tuple[Column, ...]:
    if scope.regional:
        return (Column("Школа", width=44), Column("Муниципалитет", width=24))
    return (Column("Школа", width=48),)


def share_percent(failed: int, participants: int) -> float | None:
    return round(100 * failed / participants, 1) if participants else None
