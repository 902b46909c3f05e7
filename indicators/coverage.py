"""The ИОМ dashboard's coverage (diagnostics.selectors.dashboard_coverage), counted by the indicators: the
dashboard of indicators, the справка and the ИОМ dashboard read one selector, so they cannot disagree.
Registered in IndicatorsConfig.ready(): diagnostics sits below the indicators and does not import them."""

import datetime

from diagnostics.selectors import Coverage

from .selectors import default_year, indicator_report, list_years


def ivom_coverage(user, *, today: datetime.date) -> Coverage:
    """Diagnostics and ИОМ coverage (the programme's indicators 2 and 3) of the list year every page opens on."""
    list_year = default_year(list_years(user), today)
    if not list_year:
        return Coverage(list_year=None)
    counts = indicator_report(user, list_year, today=today).counts_of()
    return Coverage(
        list_year=list_year,
        diagnosed=counts.diagnosed,
        with_route=counts.with_route,
        total=counts.subject_teachers,
    )
