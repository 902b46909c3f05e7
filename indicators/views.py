"""The programme's indicators and the methodologist's dashboard.

Both pages are for the municipality's and the region's staff (methodologist, head, regional analyst): anyone
else gets a 403 with an explanation. Every figure comes from ``indicators.selectors`` (aggregates, a
fixed number of queries); every number links to the list behind it where such a list exists and the user may
open it. Teachers are never named here.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from core.policies import VIEW, policy_for
from diagnostics.models import Campaign
from diagnostics.policies import OPEN
from roadmaps.models import Roadmap
from roadmaps.policies import INDICATORS
from schools.models import Municipality, Teacher

from . import rules
from .selectors import (
    dashboard as dashboard_data,
)
from .selectors import (
    default_year,
    indicator_report,
    list_years,
)

LIGHT_BADGES = {
    rules.GREEN: "status--none",
    rules.YELLOW: "status--risk",
    rules.RED: "status--shnor",
    rules.NONE: "status--no_data",
}


def _require(user) -> None:
    policy_for(Roadmap).require(user, INDICATORS)


def _year(request, years: list[int]) -> int | None:
    text = request.GET.get("year") or ""
    if text.isdigit() and int(text) in years:
        return int(text)
    return default_year(years, timezone.localdate())


def _url(name: str, *args, query: dict | None = None, anchor: str = "") -> str | None:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # an area not installed in this build
        return None
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


@dataclass(frozen=True)
class IndicatorRow:
    indicator: rules.Indicator
    numerator_url: str | None
    denominator_url: str | None

    @property
    def badge(self) -> str:
        return LIGHT_BADGES[self.indicator.light]


def _indicator_rows(user, year: int, indicators: list[rules.Indicator], school=None) -> list[IndicatorRow]:
    """Each indicator with the lists behind its two numbers (None where no list exists or the user may not
    open it: the regional analyst reads no teachers' lists)."""
    reads_teachers = policy_for(Teacher).can(user, VIEW)
    coverage = _url("mentoring:coverage", query={"year": year})
    teachers = (
        _url("schools:teachers", query={"school": school.pk})
        if school is not None and reads_teachers
        else None
    )
    campaigns = _url("diagnostics:campaigns") if policy_for(Campaign).can(user, OPEN) else None
    routes = _url("diagnostics:routes") if reads_teachers else None
    results = _url("schools:detail", school.pk, anchor="results") if school is not None else None
    links = {
        rules.SUPPORT: (coverage, teachers or coverage),
        rules.DIAGNOSED: (campaigns, teachers or coverage),
        rules.ROUTES: (routes, teachers or coverage),
        rules.COURSES: (teachers, teachers),
        rules.CATEGORIES: (teachers, teachers),
        rules.DYNAMICS: (results, results),
        rules.VPR: (results, results),
        rules.GIA: (results, results),
    }
    return [IndicatorRow(i, *links[i.code]) for i in indicators]


def _light_rows(indicators: list[rules.Indicator]) -> list[tuple[rules.Indicator, str]]:
    return [(i, LIGHT_BADGES[i.light]) for i in indicators]


def _selected_id(request, name: str) -> int | None:
    text = request.GET.get(name) or ""
    if not text:
        return None
    if not text.isdigit():
        raise Http404("Нет такого значения отбора.")
    return int(text)


def _visible_municipality(user, pk: int):
    municipality = Municipality.objects.visible_to(user).filter(pk=pk).first()
    if municipality is None:
        raise Http404("Нет такого муниципалитета.")
    return municipality


@login_required
def indicators_page(request):
    """The eight indicators of the year for the user's ШНОР, a municipality's or one school's."""
    user = request.user
    _require(user)
    years = list_years(user)
    year = _year(request, years)
    report = indicator_report(user, year, today=timezone.localdate()) if year is not None else None
    school_id = _selected_id(request, "school")
    municipality_id = _selected_id(request, "municipality")
    school = municipality = None
    chosen = report.schools if report else []
    if report and school_id is not None:
        school = next((s for s in report.schools if s.pk == school_id), None)
        if school is None:  # not a ШНОР of the year within reach: reveal nothing
            raise Http404("Школы нет в перечне ШНОР этого года.")
        chosen = [school]
        municipality = school.municipality
    elif report and municipality_id is not None:
        chosen = [s for s in report.schools if s.municipality_id == municipality_id]
        municipality = chosen[0].municipality if chosen else _visible_municipality(user, municipality_id)
    rows = _indicator_rows(user, year, report.indicators([s.pk for s in chosen]), school) if report else []
    breakdown_level, breakdown = None, []
    if report and school is None:
        groups = report.by_municipality()
        if municipality is None and len(groups) > 1:
            breakdown_level = "municipality"
            breakdown = [(m, len(s), _light_rows(i)) for m, s, i in groups]
        else:
            breakdown_level = "school"
            breakdown = [(s, _light_rows(i)) for s, i in report.by_school([s.pk for s in chosen])]
    return render(
        request,
        "roadmaps/indicators.html",
        {
            "year": year,
            "years": years,
            "report": report,
            "school": school,
            "municipality": municipality,
            "school_count": len(chosen),
            "rows": rows,
            "breakdown_level": breakdown_level,
            "breakdown": breakdown,
            "codes": [(code, rules.TITLES[code]) for code in rules.CODES],
            "yellow_band": rules.YELLOW_BAND,
        },
    )


@login_required
def dashboard(request):
    """«Обзор территории» of the methodist, the head and the analyst: the list by year, statuses by municipality,
    indicators, what is late (what is theirs to do is on the home page, shnor_portal/home.py)."""
    user = request.user
    _require(user)
    today = timezone.localdate()
    years = list_years(user)
    data = dashboard_data(user, _year(request, years), today=today, years=years)
    indicators = data.indicators
    return render(
        request,
        "roadmaps/dashboard.html",
        {
            "data": data,
            "year": data.year,
            "today": today,
            "indicator_rows": _indicator_rows(user, data.year, indicators) if data.year else [],
            "chart": {
                "flags": data.chart,
                "indicators": [
                    {
                        "code": i.code,
                        "label": i.short_title,
                        "value": i.value,
                        "target": i.target,
                        "light": i.light,
                    }
                    for i in indicators
                ],
            },
            "overdue_items_url": _url("roadmaps:list", query={"overdue": 1}),
            "forms_url": _url("diagnostics:forms", query={"overdue": 1}),
            "coverage_url": _url("mentoring:coverage", query={"year": data.year}, anchor="no-mentor")
            if data.year
            else None,
            "without_mentor": len(data.report.without_mentor) if data.report else 0,
        },
    )
