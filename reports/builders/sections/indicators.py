"""3. The programme's indicators, from the selector the dashboard of indicators reads."""

from indicators.rules import no_data_reason
from indicators.selectors import indicator_report

from ...context import Column, Kind, Section, Table
from ..scope import BuildScope


def indicators_section(scope: BuildScope) -> Section:
    report = indicator_report(scope.principal, scope.year, today=scope.today)
    indicators = report.indicators(list(scope.schools) if scope.single_school else None)
    rows = [
        (indicator.title, indicator.numerator, indicator.denominator, indicator.value, indicator.target)
        for indicator in indicators
    ]
    missing = [
        f"«{indicator.title}» — {no_data_reason(indicator.code, scope.year)}"
        for indicator in indicators
        if not indicator.has_data
    ]
    note = ("Нет данных: " + "; ".join(missing) + ".") if missing else ""
    return Section(
        "indicators",
        "Показатели программы поддержки",
        (f"Показатели на {report.as_of:%d.%m.%Y} по школам перечня {scope.year} года.",),
        (
            Table(
                "Показатели и целевые значения",
                (
                    Column("Показатель", width=60),
                    Column("Числитель", Kind.INT, 10),
                    Column("Знаменатель", Kind.INT, 11),
                    Column("Значение", Kind.PERCENT, 10),
                    Column("Цель", Kind.PERCENT, 9),
                ),
                rows,
                sheet="Показатели",
                note=note,
            ),
        ),
    )
