import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from core.errors import ApplicationError
from core.policies import policy_for
from core.principals import Actor
from core.roles import STAFF_WRITE_ROLES

from .criteria import ResultFact, RuleParams, counts, default_list_year, is_low, movement
from .flags import LowItem, low_items, rule_params
from .models import (
    ApprovedList,
    ApprovedListEntry,
    FlagDecision,
    FlagRule,
    FlagStatus,
    Region,
    Result,
    School,
    Subject,
    Teacher,
)

DEFAULT_REGION_NAME = getattr(settings, "DEFAULT_REGION_NAME", "Регион")


def region_for_command(name: str | None) -> Region:
    """The region a management command works on.

    ``--region NAME`` names it (created if new); without it the database's only region is used, and an
    empty database gets a default region on its first import.
    """
    from .services import region_get_or_create

    if name:
        return region_get_or_create(name=name)
    regions = list(Region.objects.order_by("pk")[:2])
    if not regions:
        return region_get_or_create(name=DEFAULT_REGION_NAME)
    if len(regions) > 1:
        names = ", ".join(Region.objects.order_by("name").values_list("name", flat=True))
        raise ApplicationError(
            f"В базе несколько регионов ({names}): укажите --region.", code="region_required"
        )
    return regions[0]


def regions_writable_by(user: Actor | None, roles: frozenset[str] = STAFF_WRITE_ROLES):
    """Regions in which ``user`` may import or change data through ``roles`` (a region-wide, a municipal or,
    for school roles, a school grant)."""
    return policy_for(Region).reach(user, roles)


# --- list years: one answer for every page, the API and the reports ---------------------------------------


def flag_list_years(user: Actor | None) -> list[int]:
    """The list years with computed statuses within the user's reach, newest first. Only years that exist
    are stored (schools.flags.flags_recompute: criteria.list_year_exists)."""
    from .models import FlagDecision

    return list(
        FlagDecision.objects.visible_to(user)
        .order_by("-list_year")
        .values_list("list_year", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class ListAwaitingOrder:
    """A municipality whose ШНОР of ``list_year`` are computed but whose list is not yet approved by an order."""

    municipality_id: int
    municipality_name: str
    list_year: int
    shnor: int  # computed ШНОР among its active schools
    schools: int  # active schools with a computed status


def lists_awaiting_order(user: Actor | None, *, years: list[int] | None = None) -> list[ListAwaitingOrder]:
    """The municipalities within the user's reach that have computed statuses for the list year every page opens
    on (flag_default_year) and no approved list of that year: the rows «Ждут приказа» of «Перечни ШНОР» and the
    count on the home pages of the methodist and the head. One query after the years."""
    from .models import FlagDecision, FlagStatus

    year = flag_default_year(user, years=years)
    if year is None:
        return []
    rows = (
        FlagDecision.objects.visible_to(user)
        .filter(list_year=year, school__is_active=True)
        .exclude(school__municipality__approved_lists__list_year=year)
        .values_list("school__municipality_id", "school__municipality__name")
        .annotate(shnor=Count("pk", filter=Q(status=FlagStatus.SHNOR)), schools=Count("pk"))
        .order_by("school__municipality__name", "school__municipality_id")
    )
    return [ListAwaitingOrder(pk, name, year, shnor, schools) for pk, name, shnor, schools in rows]


def flag_default_year(
    user: Actor | None, *, years: list[int] | None = None, today: datetime.date | None = None
) -> int | None:
    """The list year a page opens on when none is asked for (criteria.default_list_year): the same on the
    dashboard, «Статусы ШНОР», the indicators, coverage, risk profiles, a new справка and the API."""
    years = flag_list_years(user) if years is None else years
    return default_list_year(years, (today or timezone.localdate()).year)


def approved_list_comparison(approved_list) -> list[dict]:
    """Computed vs approved, side by side: one row per school of the list, overrides first."""
    from .models import ApprovedListEntry, FlagDecision

    entries = list(ApprovedListEntry.objects.filter(approved_list=approved_list).select_related("school"))
    current = {
        d["school_id"]: d
        for d in FlagDecision.objects.filter(
            list_year=approved_list.list_year, school_id__in=[e.school_id for e in entries]
        ).values("school_id", "status", "criteria", "reasons")
    }
    rows = []
    for entry in entries:
        decision = current.get(entry.school_id) or {}
        rows.append(
            {
                "entry": entry,
                "school": entry.school,
                "computed_status": decision.get("status", entry.computed_status),
                "criteria": decision.get("criteria", ""),
                "reasons": decision.get("reasons", {}),
                "included": entry.included,
                "override": entry.is_override,
                "changed_since_approval": decision.get("status", entry.computed_status)
                != entry.computed_status,
            }
        )
    rows.sort(key=lambda row: (not row["override"], not row["included"], row["school"].name))
    return rows


# --- the school card: results over the years, the status history, the teachers ------------------------


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


def school_results_table(user: Actor | None, school: School) -> ResultsTable:
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
    meta: dict[tuple, tuple[str, str, str, int]] = {}  # kind, its failed label, subject, grade
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


def school_status_history(user: Actor | None, school: School) -> list[HistoryRow]:
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


def school_teachers(user: Actor | None, school: School):
    """The teachers a user may see on a school's card (active first)."""
    return (
        Teacher.objects.visible_to(user)
        .filter(school=school)
        .prefetch_related(Prefetch("subjects", queryset=Subject.objects.order_by("name")))
        .order_by("-is_active", "last_name", "first_name")
    )


def shnor_of_year(user: Actor | None, list_year: int) -> tuple[list[School], str, list[ApprovedList]]:
    """The year's ШНОР within the user's reach: the approved lists where they exist, the computed status for
    municipalities that have not approved theirs yet. Returns (schools by municipality and name, the source —
    "approved" | "computed" | "mixed" —, the approved lists). Mentoring's coverage, the programme's indicators,
    the events' and risk profiles' summaries and the справка count the same schools through it."""
    visible = School.objects.visible_to(user)
    lists = list(
        ApprovedList.objects.visible_to(user).filter(list_year=list_year).select_related("municipality")
    )
    approved_ids = set(
        visible.filter(
            approved_entries__approved_list__in=lists, approved_entries__included=True
        ).values_list("pk", flat=True)
    )
    approved_municipalities = {approved.municipality_id for approved in lists}
    computed_ids = set(
        FlagDecision.objects.filter(
            list_year=list_year, status=FlagStatus.SHNOR, school__in=visible.values("pk")
        )
        .exclude(school__municipality_id__in=approved_municipalities)
        .values_list("school_id", flat=True)
    )
    source = "approved" if lists and not computed_ids else ("computed" if not lists else "mixed")
    schools = list(
        School.objects.filter(pk__in=approved_ids | computed_ids)
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )
    return schools, source, lists
