import datetime

from django.conf import settings
from django.utils import timezone

from core.access import user_scope
from core.errors import ApplicationError
from core.roles import STAFF_WRITE_ROLES

from .criteria import default_list_year
from .models import Municipality, Region, School

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


def regions_writable_by(user, roles: frozenset[str] = STAFF_WRITE_ROLES):
    """Regions in which ``user`` may import or change data through ``roles`` (a region-wide, a municipal or,
    for school roles, a school grant)."""
    scope = user_scope(user, roles)
    if scope.everything:
        return Region.objects.all()
    municipal_regions = Municipality.objects.filter(pk__in=scope.municipality_ids).values("region_id")
    school_regions = School.objects.filter(pk__in=scope.school_ids).values("municipality__region_id")
    return (
        Region.objects.filter(pk__in=scope.region_ids)
        | Region.objects.filter(pk__in=municipal_regions)
        | Region.objects.filter(pk__in=school_regions)
    )


# --- list years: one answer for every page, the API and the reports ---------------------------------------


def flag_list_years(user) -> list[int]:
    """The list years with computed statuses within the user's reach, newest first. Only years that exist
    are stored (schools.flags.flags_recompute: criteria.list_year_exists)."""
    from .models import FlagDecision

    return list(
        FlagDecision.objects.visible_to(user)
        .order_by("-list_year")
        .values_list("list_year", flat=True)
        .distinct()
    )


def flag_default_year(
    user, *, years: list[int] | None = None, today: datetime.date | None = None
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
