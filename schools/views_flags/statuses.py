"""The statuses of a list year: the filtered list with each school's movement and trend, its CSV, the recompute."""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Sum, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.exports import csv_download
from core.policies import VIEW, policy_for
from core.tasks import enqueue

from ..criteria import movement
from ..filters import FlagDecisionFilter
from ..flags import LowItem, low_items, low_procedures_text
from ..forms import YEAR_MAX, YEAR_MIN
from ..models import (
    SMALL_SAMPLE,
    ApprovedList,
    FlagDecision,
    FlagStatus,
    Result,
)
from ..policies import RECOMPUTE
from ..selectors import flag_default_year, flag_list_years, regions_writable_by
from ..tasks import recompute_flags_task
from .shared import parse_year

# A municipality has a few dozen schools, a region a few hundred to a couple of thousand (as on the list).
FLAGS_PER_PAGE = 50
# The trend shows the last years before the list year: four or five years of results is what a department
# usually holds; six keeps the sparkline readable in a table cell.
TREND_YEARS = 6
STATUS_ORDER = [FlagStatus.SHNOR, FlagStatus.RISK, FlagStatus.NO_DATA, FlagStatus.NONE]


@dataclass(frozen=True)
class TrendPoint:
    year: int
    share: float | None  # % failed among all participants of the school's results that year


def _failure_trend(user, school_ids: list[int], last_year: int) -> tuple[dict[int, list[TrendPoint]], float]:
    """Each school's overall failure share per year (Σ failed / Σ participants), in one aggregate query.

    Returns the points per school over a common axis of years and the top of the common scale.
    """
    rows = (
        Result.objects.visible_to(user)
        .filter(
            school_id__in=school_ids,
            participants__gt=0,
            procedure__year__lte=last_year,
            procedure__year__gt=last_year - TREND_YEARS,
        )
        .values("school_id", "procedure__year")
        .annotate(failed_sum=Sum("failed"), participants_sum=Sum("participants"))
        .order_by()
    )
    shares: dict[int, dict[int, float]] = defaultdict(dict)
    for row in rows:
        shares[row["school_id"]][row["procedure__year"]] = 100 * row["failed_sum"] / row["participants_sum"]
    if not shares:
        return {}, 50.0
    first = min(year for by_year in shares.values() for year in by_year)
    axis = range(first, last_year + 1)
    peak = max(share for by_year in shares.values() for share in by_year.values())
    # A common scale for the page, in steps of 10 %, never below 30 % so small shares stay flat.
    top = max(30.0, 10.0 * -(-peak // 10))
    return {
        school_id: [TrendPoint(year, by_year.get(year)) for year in axis]
        for school_id, by_year in shares.items()
    }, top


# --- the statuses of a list year -----------------------------------------------------------------------


@dataclass
class FlagRow:
    decision: FlagDecision
    movement: str
    lows: list[LowItem]
    trend: list[TrendPoint] = field(default_factory=list)


@dataclass
class StatusCount:
    status: str
    label: str
    count: int
    selected: bool


def _flags_selection(request):
    """The year, its decisions filtered as asked, and what the page needs to describe the selection."""
    user = request.user
    decisions = FlagDecision.objects.visible_to(user).filter(school__is_active=True)
    years = flag_list_years(user)
    year = parse_year(request.GET.get("year")) or flag_default_year(user, years=years)
    of_year = decisions.filter(list_year=year).select_related("school__municipality")
    data = request.GET.copy()
    data.pop("year", None)
    data.pop("page", None)
    flag_filter = FlagDecisionFilter(data or None, queryset=of_year, request=request)
    # Counts per status are of the selection without the status filter: each is a link that narrows to it.
    without_status = data.copy()
    without_status.pop("status", None)
    counted = FlagDecisionFilter(without_status or None, queryset=of_year, request=request).qs
    rank = Case(
        *[When(status=status, then=Value(index)) for index, status in enumerate(STATUS_ORDER)],
        default=Value(len(STATUS_ORDER)),
        output_field=IntegerField(),
    )
    rows = flag_filter.qs.alias(rank=rank).order_by(
        "rank", "school__municipality__name", "school__name", "pk"
    )
    return year, years, flag_filter, counted, rows


@login_required
def flags(request):
    user = request.user
    year, years, flag_filter, counted, decisions = _flags_selection(request)
    page = Paginator(decisions, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    page_decisions = list(page.object_list)
    school_ids = [d.school_id for d in page_decisions]
    previous = {}
    trends, trend_top = {}, 50.0
    if year is not None and school_ids:
        previous = dict(
            FlagDecision.objects.visible_to(user)
            .filter(list_year=year - 1, school_id__in=school_ids)
            .values_list("school_id", "status")
        )
        trends, trend_top = _failure_trend(user, school_ids, last_year=year - 1)
    rows = [
        FlagRow(
            decision=d,
            movement=movement(previous.get(d.school_id), d.status),
            lows=low_items(d.reasons),
            trend=trends.get(d.school_id, []),
        )
        for d in page_decisions
    ]
    by_status = dict(counted.values_list("status").annotate(n=Count("pk")).order_by())
    selected_status = flag_filter.form.cleaned_data.get("status") if flag_filter.is_valid() else ""
    status_counts = [
        StatusCount(status, FlagStatus(status).label, by_status.get(status, 0), status == selected_status)
        for status in STATUS_ORDER
    ]
    return render(
        request,
        "schools/flags.html",
        {
            "year": year,
            "years": years,
            "filter": flag_filter,
            "page_obj": page,
            "rows": rows,
            "trend_top": trend_top,
            "status_counts": status_counts,
            "total": sum(by_status.values()),
            "can_recompute": policy_for(FlagDecision).can(user, RECOMPUTE),
            "may_see": policy_for(FlagDecision).can(user, VIEW),
            "may_see_lists": policy_for(ApprovedList).can(user, VIEW),
            "small_sample": SMALL_SAMPLE,
        },
    )


@login_required
def flags_export(request):
    """The page's selection (every page of it) as CSV: the columns of ``export_flags``, then name and district."""
    year, _, _, _, decisions = _flags_selection(request)
    rows = (
        [code, year, status, criteria, low_procedures_text(reasons), name, municipality]
        for code, name, municipality, status, criteria, reasons in decisions.values_list(
            "school__code", "school__name", "school__municipality__name", "status", "criteria", "reasons"
        ).iterator(chunk_size=2000)
    )
    return csv_download(
        rows,
        header=[
            "school_code",
            "list_year",
            "status",
            "criteria",
            "low_procedures",
            "school_name",
            "municipality",
        ],
        filename=f"shnor-statuses-{year or 'none'}.csv",
    )


@login_required
@require_POST
def flags_recompute(request):
    """Queue recomputation of one list year for the regions in which the user may change data."""
    policy_for(FlagDecision).require(request.user, RECOMPUTE)
    year = parse_year(request.POST.get("year"))
    if year is None:
        messages.error(request, f"Укажите год перечня от {YEAR_MIN} до {YEAR_MAX}.")
        return redirect("schools:flags")
    regions = list(regions_writable_by(request.user).order_by("name"))
    for region in regions:
        transaction.on_commit(partial(enqueue, recompute_flags_task, years=[year], region_id=region.pk))
    names = ", ".join(f"«{region.name}»" for region in regions)
    messages.success(
        request,
        f"Пересчёт статусов на {year} год запущен ({names}). Обновите страницу, когда он завершится.",
    )
    return redirect(f"{reverse('schools:flags')}?year={year}")
