"""Roadmaps, events and risk profiles behind the one access gate (core.access)."""

from django.db.models import Q

from core.access import ScopedQuerySet
from core.roles import ALL_ROLES, SCHOOL_WRITE_ROLES, STAFF_WRITE_ROLES


class RoadmapQuerySet(ScopedQuerySet):
    """A municipal roadmap is the municipality's (its staff and schools read it); a school's is the school's.
    Who reaches what: roadmaps.policies.RoadmapPolicy."""

    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = "school"
    read_roles = ALL_ROLES
    write_roles = STAFF_WRITE_ROLES


def overdue_q(today, prefix: str = "") -> Q:
    """Open roadmap items past their due date (``prefix`` reaches the item from another model)."""
    from .transitions import OPEN

    p = prefix
    by_end = Q(**{f"{p}all_year": False, f"{p}end_date__isnull": False, f"{p}end_date__lt": today})
    by_period = (Q(**{f"{p}all_year": True}) | Q(**{f"{p}end_date__isnull": True})) & Q(
        **{f"{p}roadmap__period_end__lt": today}
    )
    return Q(**{f"{p}status__in": OPEN}) & (by_end | by_period)


class RoadmapItemQuerySet(ScopedQuerySet):
    region_path = "roadmap__municipality__region"
    municipality_path = "roadmap__municipality"
    school_path = "roadmap__school"
    write_roles = SCHOOL_WRITE_ROLES  # a school admin updates the items of their school's roadmap
    # Read with their roadmap: roadmaps.policies.RoadmapItemPolicy.

    def overdue(self, today):
        """Open items past their due date, in SQL: the rule of roadmaps.transitions.is_overdue."""
        return self.filter(overdue_q(today))


class EventQuerySet(ScopedQuerySet):
    """Who reaches an event: roadmaps.policies.EventPolicy."""

    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = "schools"


class RiskProfileQuerySet(ScopedQuerySet):
    pass  # reached through the school
