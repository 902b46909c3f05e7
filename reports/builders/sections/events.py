"""7. Events and КПК."""

from django.db.models import Count, Sum

from roadmaps.models import Event
from schools.models import (
    ProfessionalCourse,
)

from ...context import Column, Kind, Section, Table
from ..scope import BuildScope
from .shared import MUNICIPALITY_COLUMN, municipalities_of, per_school_note, school_columns


def events_section(scope: BuildScope) -> Section:
    principal = scope.principal
    focus = scope.focus_ids
    years = (scope.year - 1, scope.year)
    visible_events = Event.objects.visible_to(principal).filter(start_date__year__in=years)
    events = dict(
        Event.schools.through.objects.filter(event__in=visible_events.values("pk"), school_id__in=focus)
        .values("school_id")
        .annotate(n=Count("event_id", distinct=True))
        .values_list("school_id", "n")
    )
    courses = {
        school_id: (n, hours or 0)
        for school_id, n, hours in ProfessionalCourse.objects.visible_to(principal)
        .filter(teacher__school_id__in=focus, end_date__year__in=years)
        .values("teacher__school_id")
        .annotate(n=Count("pk"), hours=Sum("hours"))
        .values_list("teacher__school_id", "n", "hours")
    }
    rows = [
        (*scope.school_cells(pk), events.get(pk, 0), courses.get(pk, (0, 0))[0], courses.get(pk, (0, 0))[1])
        for pk in focus
    ]
    table = Table(
        "Мероприятия и КПК по школам",
        (
            *school_columns(scope),
            Column("Мероприятий", Kind.INT, 11),
            Column("Курсов КПК", Kind.INT, 10),
            Column("Часов КПК", Kind.INT, 10),
        ),
        rows,
        sheet="Мероприятия и КПК",
        in_pdf=not scope.regional,  # a region prints it per municipality; the workbook keeps every school
    )
    tables = (_by_municipality(scope, rows, table.sheet), table) if scope.regional else (table,)
    return Section(
        "events",
        "Мероприятия и повышение квалификации",
        (
            f"Мероприятия с участием школ и курсы повышения квалификации педагогов за {years[0]}–{years[1]} годы.",
        ),
        tables if rows else (),
        empty_text="Нет школ в перечне.",
    )


def _by_municipality(scope: BuildScope, rows: list[tuple], sheet: str) -> Table:
    """A region's events and КПК per municipality: the per-school rows summed."""
    totals: dict[str, list[int]] = {name: [0, 0, 0, 0] for name in municipalities_of(scope, scope.focus_ids)}
    for pk, row in zip(scope.focus_ids, rows, strict=True):
        total = totals[scope.schools[pk].municipality]
        total[0] += 1
        for i, value in enumerate(row[2:], start=1):
            total[i] += value
    return Table(
        "Мероприятия и КПК по муниципалитетам",
        (
            MUNICIPALITY_COLUMN,
            Column("Школ в перечне", Kind.INT, 10),
            Column("Участий в мероприятиях", Kind.INT, 13),
            Column("Курсов КПК", Kind.INT, 10),
            Column("Часов КПК", Kind.INT, 10),
        ),
        [(name, *total) for name, total in totals.items()],
        sheet="Мероприятия и КПК по МО",
        note="Участия — мероприятия, сложенные по школам (мероприятие нескольких школ считается у каждой). "
        + per_school_note(sheet),
    )
