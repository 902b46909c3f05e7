"""5. Diagnostics, ИОМ and the quarterly forms."""

from collections import defaultdict

from django.db.models import Count

from diagnostics.models import LineStatus, ProgressForm, RouteLine

from ...context import Column, Kind, Section, Table
from ..scope import BuildScope
from .shared import share_percent


def diagnostics_section(scope: BuildScope) -> Section:
    principal = scope.principal
    focus = scope.focus_ids
    years = (scope.year - 1, scope.year)
    forms: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for year, quarter, status, late, n in (
        ProgressForm.objects.visible_to(principal)
        .filter(school_id__in=focus, year__in=years)
        .values_list("year", "quarter", "status", "late")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        forms[(year, quarter)][status] += n
        if late:
            forms[(year, quarter)]["late"] += n
    lines: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for year, quarter, status, n in (
        RouteLine.objects.visible_to(principal)
        .filter(route__teacher__school_id__in=focus, due_year__in=years)
        .values_list("due_year", "due_quarter", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        lines[(year, quarter)][status] += n
    rows = []
    for key in sorted(set(forms) | set(lines)):
        year, quarter = key
        f, line = forms.get(key, {}), lines.get(key, {})
        total_lines = sum(line.values())
        rows.append(
            (
                f"{quarter} кв. {year}",
                sum(v for k, v in f.items() if k != "late"),
                f.get("accepted", 0),
                f.get("late", 0),
                total_lines,
                line.get(LineStatus.DONE, 0),
                share_percent(line.get(LineStatus.DONE, 0), total_lines),
            )
        )
    return Section(
        "diagnostics",
        "Диагностика профессиональных дефицитов и ИОМ",
        ("Квартальные формы мониторинга ИОМ и выполнение мероприятий маршрутов по срокам.",),
        (
            Table(
                "Мониторинг ИОМ по кварталам",
                (
                    Column("Квартал", width=14),
                    Column("Форм", Kind.INT, 8),
                    Column("Принято", Kind.INT, 9),
                    Column("С опозданием", Kind.INT, 11),
                    Column("Мероприятий ИОМ", Kind.INT, 12),
                    Column("Выполнено", Kind.INT, 10),
                    Column("Доля выполненных", Kind.PERCENT, 11),
                ),
                rows,
                sheet="ИОМ по кварталам",
            ),
        ),
        empty_text="Квартальных форм и мероприятий ИОМ за эти годы нет.",
    )
