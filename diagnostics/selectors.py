"""Reads behind the diagnostics pages: what the dashboard of ИОМ shows, derived here rather than in the view."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from schools.models import Teacher

from . import progress
from .models import RouteLine, RouteStatus
from .services import deadline_days


@dataclass(frozen=True)
class Coverage:
    """Diagnostics and ИОМ coverage of the list year: the programme's indicators 2 and 3."""

    list_year: int | None
    diagnosed: int = 0
    with_route: int = 0
    total: int = 0

    @property
    def diagnosed_share(self) -> float | None:
        return None if not self.total else round(100 * self.diagnosed / self.total, 1)

    @property
    def route_share(self) -> float | None:
        return None if not self.total else round(100 * self.with_route / self.total, 1)


# The coverage is the programme's indicators 2 and 3, counted by the indicators app (the dashboard of
# indicators and the справка count them there too, so the three pages cannot disagree). The indicators sit above
# diagnostics and register their counter in IndicatorsConfig.ready().
_COVERAGE_COUNTER: list[Callable[..., Coverage]] = []


def register_coverage_counter(counter: Callable[..., Coverage]) -> None:
    """``counter(user, *, today)`` -> Coverage of the list year every page opens on."""
    _COVERAGE_COUNTER[:] = [counter]


def dashboard_coverage(user, *, today: datetime.date) -> Coverage:
    """Coverage of the list year every page opens on, from the registered counter (none: no list year)."""
    if not _COVERAGE_COUNTER:
        return Coverage(list_year=None)
    return _COVERAGE_COUNTER[0](user, today=today)


def on_time_by_teacher(
    user, *, quarter: progress.Quarter, today: datetime.date
) -> list[tuple[Teacher, float | None]]:
    """Each teacher with an approved ИОМ and the share of their lines due up to ``quarter`` done in time
    (progress.share_done_on_time, with the portal's form deadline), by school and name."""
    days = deadline_days()
    lines = (
        RouteLine.objects.visible_to(user)
        .filter(route__status=RouteStatus.APPROVED)
        .values_list("route__teacher_id", "due_year", "due_quarter", "status", "done_on")
    )
    per_teacher: dict[int, list] = {}
    for teacher_id, year, number, status, done_on in lines:
        per_teacher.setdefault(teacher_id, []).append((progress.Quarter(year, number), status, done_on))
    names = {t.pk: t for t in Teacher.objects.filter(pk__in=per_teacher).select_related("school")}
    return sorted(
        (
            (names[t], progress.share_done_on_time(items, today, quarter=quarter, days=days))
            for t, items in per_teacher.items()
        ),
        key=lambda pair: (pair[0].school.name, pair[0].last_name, pair[0].first_name),
    )
