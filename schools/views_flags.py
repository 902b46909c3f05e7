"""ШНОР pages: the statuses of a list year, the approved lists, the rule's settings, the card's results.

Reads go through the gate (``visible_to``); writes go through the services, which check ``editable_by``
again. An object outside the user's scope is a 404 (a guessed id reveals nothing); an action the user may
not take on a page they can see is a 403.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.access import can_write_somewhere, user_scope
from core.errors import ApplicationError
from core.exports import csv_download
from core.forms import add_service_error
from core.roles import STAFF_WRITE_ROLES
from core.tasks import enqueue

from .criteria import ResultFact, RuleParams, counts, is_low, movement
from .filters import FlagDecisionFilter
from .flags import low_procedures_text, rule_params
from .forms import YEAR_MAX, YEAR_MIN, ApprovedListForm, FlagRuleForm, InclusionForm
from .models import (
    SMALL_SAMPLE,
    ApprovedList,
    ApprovedListEntry,
    ApprovedListQuerySet,
    FlagDecision,
    FlagRule,
    FlagStatus,
    Municipality,
    ProcedureKind,
    Region,
    Result,
    School,
)
from .selectors import approved_list_comparison, flag_default_year, flag_list_years, regions_writable_by
from .services import FLAG_RULE_FIELDS, approved_list_create, approved_list_set_inclusion, flag_rule_update
from .tasks import recompute_flags_task

# A municipality has a few dozen schools, a region a few hundred to a couple of thousand (as on the list).
FLAGS_PER_PAGE = 50
APPROVED_LISTS_PER_PAGE = 50
# The trend shows the last years before the list year: four or five years of results is what a department
# usually holds; six keeps the sparkline readable in a table cell.
TREND_YEARS = 6
STATUS_ORDER = [FlagStatus.SHNOR, FlagStatus.RISK, FlagStatus.NO_DATA, FlagStatus.NONE]


# --- who may do what ---------------------------------------------------------------------------------


def may_see_flags(user) -> bool:
    """Anyone who reaches at least one school sees the statuses of those schools."""
    return not user_scope(user).is_empty


def may_see_approved_lists(user) -> bool:
    """Lists belong to municipalities: a role over a municipality or a region (a school admin has none)."""
    scope = user_scope(user, ApprovedListQuerySet.read_roles)
    return scope.everything or bool(scope.region_ids or scope.municipality_ids)


def rule_regions_editable(user):
    """Regions whose rule the user may change: a methodologist's region-wide grant, or a superuser."""
    scope = user_scope(user, STAFF_WRITE_ROLES)
    if scope.everything:
        return Region.objects.all()
    return Region.objects.filter(pk__in=scope.region_ids)


def may_edit_flag_rule(user) -> bool:
    scope = user_scope(user, STAFF_WRITE_ROLES)
    return scope.everything or bool(scope.region_ids)


# --- shared pieces -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LowItem:
    """One low procedure of a decision's reasons, ready to show."""

    label: str
    participants: int

    @property
    def small(self) -> bool:
        return self.participants < SMALL_SAMPLE


def low_items(reasons: dict | None) -> list[LowItem]:
    items = []
    for low in (reasons or {}).get("low", ()):
        items.append(LowItem(low_procedures_text({"low": [low]}), low["participants"]))
    return items


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


def _parse_year(value: str | None) -> int | None:
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if YEAR_MIN <= year <= YEAR_MAX else None


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
    year = _parse_year(request.GET.get("year")) or flag_default_year(user, years=years)
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
            "can_recompute": can_write_somewhere(user),
            "may_see": may_see_flags(user),
            "may_see_lists": may_see_approved_lists(user),
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
    if not can_write_somewhere(request.user):
        raise PermissionDenied("Пересчитывать статусы может только методист.")
    year = _parse_year(request.POST.get("year"))
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


# --- the school card: results over the years and the status history ------------------------------------


@dataclass(frozen=True)
class ResultCell:
    share: float
    failed: int
    participants: int
    low: bool
    small: bool


@dataclass
class ResultRow:
    kind: str
    failed_label: str
    subject: str
    grade: int
    cells: list[ResultCell | None]


@dataclass
class ResultsTable:
    years: list[int]
    rows: list[ResultRow]
    params: RuleParams


def school_results_table(user, school: School) -> ResultsTable:
    """Procedures × years of one school; a cell is low as the region's rule counts it."""
    rule = FlagRule.objects.filter(region_id=school.municipality.region_id).first()
    params = rule_params(rule)
    results = (
        Result.objects.visible_to(user)
        .filter(school=school)
        .select_related("procedure__kind", "procedure__subject")
        .order_by()
    )
    by_key: dict[tuple, dict[int, ResultCell]] = defaultdict(dict)
    meta: dict[tuple, tuple] = {}
    years: set[int] = set()
    for result in results:
        procedure = result.procedure
        kind = procedure.kind
        key = (
            kind.is_regional,
            kind.code,
            procedure.grade,
            procedure.subject.name.lower(),
            procedure.subject_id,
        )
        meta[key] = (kind.code, kind.failed_label, procedure.subject.name, procedure.grade)
        years.add(procedure.year)
        fact = ResultFact(
            procedure.year,
            kind.code,
            procedure.subject.name,
            procedure.grade,
            result.participants,
            result.failed,
        )
        by_key[key][procedure.year] = ResultCell(
            share=result.failed_share or 0.0,
            failed=result.failed,
            participants=result.participants,
            low=counts(fact, params) and is_low(result.failed, result.participants, params.threshold),
            small=result.small_sample,
        )
    ordered_years = sorted(years)
    rows = [
        ResultRow(*meta[key], cells=[by_key[key].get(year) for year in ordered_years])
        for key in sorted(by_key)
    ]
    return ResultsTable(years=ordered_years, rows=rows, params=params)


@dataclass
class HistoryRow:
    list_year: int
    decision: FlagDecision | None
    movement: str
    lows: list[LowItem]
    entry: ApprovedListEntry | None
    list_visible: bool


def school_status_history(user, school: School) -> list[HistoryRow]:
    """The school's computed status per list year, newest first, with its place in that year's approved list."""
    decisions = {
        d.list_year: d for d in FlagDecision.objects.visible_to(user).filter(school=school).order_by()
    }
    entries = {
        e.approved_list.list_year: e
        for e in ApprovedListEntry.objects.visible_to(user)
        .filter(school=school)
        .select_related("approved_list")
        .order_by()
    }
    visible_lists = set(
        ApprovedList.objects.visible_to(user)
        .filter(pk__in=[e.approved_list_id for e in entries.values()])
        .values_list("pk", flat=True)
    )
    rows = []
    for year in sorted(set(decisions) | set(entries), reverse=True):
        decision = decisions.get(year)
        before = decisions.get(year - 1)
        entry = entries.get(year)
        rows.append(
            HistoryRow(
                list_year=year,
                decision=decision,
                movement=movement(before.status if before else None, decision.status) if decision else "",
                lows=low_items(decision.reasons) if decision else [],
                entry=entry,
                list_visible=entry is not None and entry.approved_list_id in visible_lists,
            )
        )
    return rows


# --- approved lists ------------------------------------------------------------------------------------

OVERRIDE = (Q(entries__included=True) & ~Q(entries__computed_status=FlagStatus.SHNOR)) | Q(
    entries__included=False, entries__computed_status=FlagStatus.SHNOR
)


@login_required
def approved_list_index(request):
    lists = (
        ApprovedList.objects.visible_to(request.user)
        .select_related("municipality", "created_by")
        .annotate(
            schools_count=Count("entries"),
            included_count=Count("entries", filter=Q(entries__included=True)),
            override_count=Count("entries", filter=OVERRIDE),
        )
        .order_by("-list_year", "municipality__name", "pk")
    )
    page = Paginator(lists, APPROVED_LISTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/approved_list_index.html",
        {
            "page_obj": page,
            "can_create": Municipality.objects.editable_by(request.user).exists(),
            "may_see_lists": may_see_approved_lists(request.user),
        },
    )


@login_required
def approved_list_create_view(request):
    municipalities = Municipality.objects.editable_by(request.user).order_by("name")
    if not municipalities.exists():
        raise PermissionDenied("Утверждать перечень ШНОР может только методист муниципалитета.")
    initial = {"list_year": flag_default_year(request.user)}
    if len(municipalities) == 1:
        initial["municipality"] = municipalities[0]
    form = ApprovedListForm(request.POST or None, municipalities=municipalities, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            approved = approved_list_create(
                municipality=data["municipality"],
                list_year=data["list_year"],
                order_number=data["order_number"],
                order_date=data["order_date"],
                note=data["note"],
                user=request.user,
            )
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Перечень ШНОР {approved.list_year} года создан из расчётного: "
                "проверьте его и при необходимости включите или исключите школы с указанием основания.",
            )
            return redirect("schools:approved_list_detail", pk=approved.pk)
    return render(request, "schools/approved_list_form.html", {"form": form})


@dataclass
class ListRow:
    school: School
    entry: ApprovedListEntry
    computed_status: str
    criteria: str
    lows: list[LowItem]
    included: bool
    override: bool
    changed_since_approval: bool
    form: InclusionForm | None = None

    @property
    def action_overrides(self) -> bool:
        """Whether the row's button (the opposite of its current place) departs from the computed status."""
        return (not self.included) != (self.entry.computed_status == FlagStatus.SHNOR)


def _render_list_detail(request, approved: ApprovedList, *, failed_form=None, failed_school_id=None):
    can_edit = Municipality.objects.editable_by(request.user).filter(pk=approved.municipality_id).exists()
    rows = [
        ListRow(
            school=row["school"],
            entry=row["entry"],
            computed_status=row["computed_status"],
            criteria=row["criteria"],
            lows=low_items(row["reasons"]),
            included=row["included"],
            override=row["override"],
            changed_since_approval=row["changed_since_approval"],
            form=failed_form if row["school"].pk == failed_school_id else None,
        )
        for row in approved_list_comparison(approved)
    ]
    events = approved.events.select_related("school", "user").order_by("-at", "-pk")
    return render(
        request,
        "schools/approved_list_detail.html",
        {
            "approved": approved,
            "rows": rows,
            "events": events,
            "can_edit": can_edit,
            "included_count": sum(row.included for row in rows),
            "override_count": sum(row.override for row in rows),
            "changed_count": sum(row.changed_since_approval for row in rows),
            "small_sample": SMALL_SAMPLE,
        },
    )


def _visible_list(request, pk: int) -> ApprovedList:
    return get_object_or_404(
        ApprovedList.objects.visible_to(request.user).select_related("municipality__region", "created_by"),
        pk=pk,
    )


@login_required
def approved_list_detail(request, pk: int):
    return _render_list_detail(request, _visible_list(request, pk))


@login_required
@require_POST
def approved_list_inclusion(request, pk: int, school_pk: int):
    """Include or exclude one school by hand (the service demands a reason for departing from the computation)."""
    approved = _visible_list(request, pk)
    if not Municipality.objects.editable_by(request.user).filter(pk=approved.municipality_id).exists():
        raise PermissionDenied("Изменять перечень может только методист этого муниципалитета.")
    school = get_object_or_404(School.objects.filter(municipality_id=approved.municipality_id), pk=school_pk)
    form = InclusionForm(request.POST)
    if form.is_valid():
        included = form.cleaned_data["included"]
        try:
            approved_list_set_inclusion(
                approved_list=approved,
                school=school,
                included=included,
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            what = "включена в перечень" if included else "исключена из перечня"
            messages.success(request, f"Школа «{school.display_name}» {what}.")
            return redirect(
                f"{reverse('schools:approved_list_detail', args=[approved.pk])}#school-{school.pk}"
            )
    return _render_list_detail(request, approved, failed_form=form, failed_school_id=school.pk)


# --- the rule's settings -------------------------------------------------------------------------------


def _rule_values(rule: FlagRule) -> dict:
    return {
        name: sorted(rule.kinds or []) if name == "kinds" else getattr(rule, name)
        for name in FLAG_RULE_FIELDS
    }


@login_required
def flag_rule(request):
    """The region's ШНОР rule: editable by a region-wide methodologist, read-only for others who see the region."""
    regions = list(Region.objects.visible_to(request.user).order_by("name"))
    if not regions:
        raise PermissionDenied("Правило ШНОР доступно пользователям с ролью в регионе или муниципалитете.")
    editable_ids = set(rule_regions_editable(request.user).values_list("pk", flat=True))
    asked = request.GET.get("region")
    if asked:
        region = next((r for r in regions if str(r.pk) == asked), None)
        if region is None:
            raise Http404("Регион не найден.")
    else:
        region = next((r for r in regions if r.pk in editable_ids), regions[0])
    can_edit = region.pk in editable_ids
    rule = FlagRule.objects.filter(region=region).select_related("updated_by").first() or FlagRule(
        region=region
    )
    kinds = list(
        ProcedureKind.objects.order_by("is_regional", "code").values_list("code", "name", "is_active")
    )
    kind_choices = [
        (code, f"{code} — {name}") for code, name, active in kinds if active or code in (rule.kinds or [])
    ]

    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Изменять правило ШНОР может методист с ролью на весь регион.")
        form = FlagRuleForm(request.POST, kind_choices=kind_choices)
        if form.is_valid():
            before = _rule_values(rule)
            try:
                with transaction.atomic():
                    rule = flag_rule_update(region=region, user=request.user, **form.cleaned_data)
                    changed = _rule_values(rule) != before
                    if changed:
                        transaction.on_commit(
                            partial(enqueue, recompute_flags_task, years=None, region_id=region.pk)
                        )
            except (ValidationError, ApplicationError) as error:
                add_service_error(form, error)
            else:
                if changed:
                    messages.success(
                        request,
                        "Правило сохранено. Запущен пересчёт статусов ШНОР за все годы по региону "
                        f"«{region.name}»: обновлённые статусы появятся, когда он завершится.",
                    )
                else:
                    messages.info(request, "Параметры не изменились: пересчёт не нужен.")
                return redirect(f"{reverse('schools:flag_rule')}?region={region.pk}")
    else:
        form = FlagRuleForm(initial=_rule_values(rule), kind_choices=kind_choices)
    return render(
        request,
        "schools/flag_rule.html",
        {
            "region": region,
            "regions": regions,
            "rule": rule,
            "form": form,
            "can_edit": can_edit,
            "kind_labels": dict((code, name) for code, name, _ in kinds),
        },
    )
