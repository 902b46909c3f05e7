"""Pieces the ШНОР pages share: who may see them, a decision's low procedures ready to show, a year from a query."""

from core.access import user_scope
from core.roles import STAFF_WRITE_ROLES

from ..forms import YEAR_MAX, YEAR_MIN
from ..models import (
    ApprovedListQuerySet,
    Region,
)

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


def parse_year(value: str | None) -> int | None:
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if YEAR_MIN <= year <= YEAR_MAX else None
