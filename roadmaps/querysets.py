"""Roadmaps, events and risk profiles behind the one access gate (core.access)."""

from django.db.models import Q

from core.access import ScopedQuerySet, user_scope
from core.roles import ALL_ROLES, SCHOOL_WRITE_ROLES, STAFF_WRITE_ROLES


class RoadmapQuerySet(ScopedQuerySet):
    """A municipal roadmap is the municipality's (its staff and schools read it); a school's is the school's."""

    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = "school"
    read_roles = ALL_ROLES
    write_roles = STAFF_WRITE_ROLES

    def visible_to(self, user):
        scope = user_scope(user, self.read_roles)
        if scope.everything:
            return self.all()
        # Municipal roadmaps are also read by the schools of the municipality (their items name the schools).
        from schools.models import School

        school_municipalities = School.objects.filter(pk__in=scope.school_ids).values("municipality_id")
        visible = self._within(scope) | self.filter(
            school__isnull=True, municipality_id__in=school_municipalities
        )
        # A person named responsible on an item reads its roadmap (a mentor, a partner school's teacher…).
        if getattr(user, "pk", None) and user.is_active:  # a person (an API key's principal has no account)
            visible = visible | self.filter(
                pk__in=self.model.objects.filter(items__responsible_users=user).values("pk")
            )
        return visible


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

    def visible_to(self, user):
        """Items of the roadmaps the user reads (which include those where the user is named responsible)."""
        from .models import Roadmap

        return self.filter(roadmap__in=Roadmap.objects.visible_to(user).values("pk"))

    def overdue(self, today):
        """Open items past their due date, in SQL: the rule of roadmaps.transitions.is_overdue."""
        return self.filter(overdue_q(today))


class EventQuerySet(ScopedQuerySet):
    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = "schools"

    def visible_to(self, user):
        # Also through the participating schools' municipality and region: a regional event recorded by
        # one municipality is seen by the staff of every municipality whose schools took part.
        scope = user_scope(user, self.read_roles)
        within = self._within(scope)
        if scope.municipality_ids:
            within |= self.filter(schools__municipality__in=scope.municipality_ids)
        if scope.region_ids:
            within |= self.filter(schools__municipality__region__in=scope.region_ids)
        return self.filter(pk__in=within.values("pk"))

    def editable_by(self, user):
        return self.filter(pk__in=self._within(user_scope(user, self.write_roles)).values("pk"))


class RiskProfileQuerySet(ScopedQuerySet):
    pass  # reached through the school
