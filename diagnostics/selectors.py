"""Reads behind the diagnostics pages: what the dashboard of ИОМ shows, derived here rather than in the view."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from schools.models import Teacher

from . import progress
from .models import FormStatus, ProgressForm, Route, RouteLine, RouteStatus
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


def school_param(value: str | None) -> int | None:
    """``?school=`` of the forms and routes pages: a school's id, or None (any school the user sees)."""
    return int(value) if value and value.isdigit() else None


# --- the lists the home page counts (shnor_portal/home.py): each count is the length of the list it opens ---


def forms_listed(
    user, *, status: str = "", overdue: bool = False, school: int | None = None, today: datetime.date
):
    """The quarterly forms the forms page lists: those the user sees, narrowed by ``?status=``, ``?overdue=1``
    (not sent, or returned and not sent again, after the form's own deadline) and ``?school=``."""
    forms = ProgressForm.objects.visible_to(user)
    if school is not None:
        forms = forms.filter(school_id=school)
    if status in FormStatus.values:
        forms = forms.filter(status=status)
    if overdue:
        forms = forms.filter(status__in=progress.SCHOOL_EDITABLE, deadline__lt=today)
    return forms


# A line still waits when it is neither done nor set aside (postponed lines have a new term in their reason).
AWAITING_LINE_STATUSES = (progress.NOT_STARTED, progress.IN_PROGRESS)


def awaiting_lines_q(today: datetime.date, prefix: str = "") -> Q:
    """Lines of an approved ИОМ due in this quarter or earlier and not yet done."""
    quarter = progress.quarter_of(today)
    return Q(
        **{
            f"{prefix}route__status": RouteStatus.APPROVED,
            f"{prefix}status__in": AWAITING_LINE_STATUSES,
        }
    ) & (
        Q(**{f"{prefix}due_year__lt": quarter.year})
        | Q(**{f"{prefix}due_year": quarter.year, f"{prefix}due_quarter__lte": quarter.number})
    )


def routes_listed(
    user, *, status: str = "", due: bool = False, school: int | None = None, today: datetime.date
):
    """The ИОМ the routes page lists: those the user sees, narrowed by ``?status=``, ``?due=1`` (ИОМ with a line
    waiting, awaiting_lines_q) and ``?school=`` (the teacher's school)."""
    routes = Route.objects.visible_to(user)
    if school is not None:
        routes = routes.filter(teacher__school_id=school)
    if status in RouteStatus.values:
        routes = routes.filter(status=status)
    if due:
        routes = routes.filter(
            pk__in=RouteLine.objects.visible_to(user).filter(awaiting_lines_q(today)).values("route_id")
        )
    return routes
