"""8. Risk profiles: the schools' risk factors by level."""

from collections import defaultdict

from roadmaps.models import RiskEntry, RiskLevel, RiskProfile

from ...context import Column, Kind, Section, Table
from ..scope import BuildScope
from .shared import school_columns


def risks_section(scope: BuildScope) -> Section:
    entries = (
        RiskEntry.objects.filter(
            profile__in=_visible_profiles(scope), level__in=(RiskLevel.HIGH, RiskLevel.MEDIUM)
        )
        .select_related("factor", "profile")
        .order_by("profile__school_id", "factor__position")
    )
    by_school: dict[int, list] = defaultdict(list)
    for entry in entries:
        by_school[entry.profile.school_id].append(entry)
    order = {pk: i for i, pk in enumerate(scope.focus_ids)}
    rows = [
        (*scope.school_cells(pk), entry.factor.name, entry.get_level_display(), entry.measures or "—")
        for pk in sorted(by_school, key=lambda pk: order.get(pk, len(order)))
        for entry in by_school[pk]
    ]
    tables = [
        Table(
            "Факторы риска и антирисковые меры",
            (
                *school_columns(scope),
                Column("Фактор риска", width=36),
                Column("Уровень", width=13),
                Column("Меры", width=40),
            ),
            rows,
            sheet="Рисковые профили",
            in_pdf=not scope.regional,  # a region prints the summary by factor below (hundreds of rows)
        )
    ]
    if scope.regional:
        tables.insert(0, _risk_summary_table(by_school))
    return Section(
        "risks",
        "Рисковые профили школ",
        (f"Факторы высокого и среднего уровня риска по профилям {scope.year} года.",) if rows else (),
        tuple(tables) if rows else (),
        empty_text="Рисковые профили не заполнены.",
    )


def _risk_summary_table(by_school: dict[int, list]) -> Table:
    """Per factor: how many schools name it at a high and at a medium level."""
    counts: dict[str, list[int]] = {}
    order: dict[str, int] = {}
    for entries in by_school.values():
        for entry in entries:
            row = counts.setdefault(entry.factor.name, [0, 0])
            row[0 if entry.level == RiskLevel.HIGH else 1] += 1
            order[entry.factor.name] = entry.factor.position
    rows = [(name, *counts[name]) for name in sorted(counts, key=lambda n: (order[n], n))]
    return Table(
        "Факторы риска: число школ по уровню",
        (Column("Фактор риска", width=60), Column("Высокий", Kind.INT, 10), Column("Средний", Kind.INT, 10)),
        rows,
        sheet="Риски по факторам",
        note="По школам с мерами — в книге Excel, лист «Рисковые профили».",
    )


def _visible_profiles(scope: BuildScope):
    return (
        RiskProfile.objects.visible_to(scope.principal)
        .filter(school_id__in=scope.focus_ids, year=scope.year)
        .values("pk")
    )
