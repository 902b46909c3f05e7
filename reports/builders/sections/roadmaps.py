"""6. Roadmaps: done, cancelled and overdue items of the territory's roadmaps."""

from django.db.models import Count, Q

from roadmaps.models import ItemStatus, Roadmap, RoadmapItem
from roadmaps.querysets import overdue_q
from roadmaps.transitions import due_date

from ...context import Column, Kind, Section, Table
from ..scope import BuildScope
from .shared import MUNICIPALITY_COLUMN, per_school_note, share_percent


def roadmaps_section(scope: BuildScope) -> Section:
    principal = scope.principal
    roadmaps = (
        Roadmap.objects.visible_to(principal)
        .filter(period_start__year__lte=scope.year, period_end__year__gte=scope.year - 1)
        .filter(Q(school__isnull=True) | Q(school_id__in=list(scope.schools)))
        .annotate(
            total=Count("items"),
            done=Count("items", filter=Q(items__status=ItemStatus.DONE)),
            cancelled=Count("items", filter=Q(items__status=ItemStatus.CANCELLED)),
            overdue=Count("items", filter=overdue_q(scope.today, "items__")),
        )
        .select_related("municipality", "school")
        .order_by("municipality__name", "school__name", "title")
    )
    roadmaps = list(roadmaps)
    rows = [
        (
            roadmap.title,
            roadmap.school.name if roadmap.school_id else roadmap.municipality.name,
            roadmap.total,
            roadmap.done,
            roadmap.overdue,
            share_percent(roadmap.done, roadmap.total - roadmap.cancelled),
        )
        for roadmap in roadmaps
    ]
    # Every overdue item of the territory, of older roadmaps too: the dashboard's count (the same queryset method).
    overdue = (
        RoadmapItem.objects.visible_to(principal)
        .overdue(scope.today)
        .select_related("roadmap")
        .order_by("end_date", "roadmap__title", "position")
    )
    overdue_rows = [
        (
            item.roadmap.title,
            item.number,
            item.activity,
            due_date(end=item.end_date, all_year=item.all_year, period_end=item.roadmap.period_end),
            item.responsible_text,
        )
        for item in overdue
    ]
    per_roadmap = Table(
        "Исполнение по дорожным картам",
        (
            Column("Дорожная карта", width=40),
            Column("Чья", width=30),
            Column("Пунктов", Kind.INT, 9),
            Column("Выполнено", Kind.INT, 10),
            Column("Просрочено", Kind.INT, 10),
            Column("Исполнение", Kind.PERCENT, 11),
        ),
        rows,
        sheet="Дорожные карты",
        note="Исполнение — доля выполненных пунктов без учёта отменённых.",
        in_pdf=not scope.regional,  # a region prints them per municipality; the workbook keeps each
    )
    overdue_table = Table(
        "Просроченные пункты",
        (
            Column("Дорожная карта", width=30),
            Column("№", width=6),
            Column("Мероприятие", width=50),
            Column("Срок", Kind.DATE, 11),
            Column("Ответственные", width=24),
        ),
        overdue_rows,
        sheet="Просроченные пункты",
        in_pdf=not scope.regional,  # a region's list runs to hundreds of rows: the workbook has it
    )
    if scope.regional:
        tables = (_by_municipality(scope, roadmaps, per_roadmap.sheet), per_roadmap, overdue_table)
    else:
        tables = (per_roadmap, overdue_table)
    return Section(
        "roadmaps",
        "Исполнение дорожных карт",
        (f"Пунктов с истёкшим сроком на {scope.today:%d.%m.%Y}: {len(overdue_rows)}.",) if rows else (),
        tables if rows else (),
        empty_text="Дорожных карт на этот период нет.",
    )


def _by_municipality(scope: BuildScope, roadmaps: list, sheet: str) -> Table:
    """A region's roadmaps per municipality (its own and its schools'): the per-roadmap counts summed."""
    totals: dict[str, list[int]] = {}
    for roadmap in roadmaps:
        name = (
            roadmap.municipality.name
            if roadmap.municipality_id
            else scope.schools[roadmap.school_id].municipality
        )
        total = totals.setdefault(name, [0, 0, 0, 0, 0])
        for i, value in enumerate((1, roadmap.total, roadmap.done, roadmap.overdue, roadmap.cancelled)):
            total[i] += value
    return Table(
        "Исполнение дорожных карт по муниципалитетам",
        (
            MUNICIPALITY_COLUMN,
            Column("Дорожных карт", Kind.INT, 10),
            Column("Пунктов", Kind.INT, 9),
            Column("Выполнено", Kind.INT, 10),
            Column("Просрочено", Kind.INT, 10),
            Column("Исполнение", Kind.PERCENT, 11),
        ),
        [(name, *t[:4], share_percent(t[2], t[1] - t[4])) for name, t in totals.items()],
        sheet="Дорожные карты по МО",
        note="Исполнение — доля выполненных пунктов без учёта отменённых; карты муниципалитета и его школ. "
        + per_school_note(sheet, "по дорожным картам"),
    )
