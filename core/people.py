"""Whom a staff member may name: as a school's mentor or a teacher's tutor (mentoring), as the person responsible
for an ИОМ line (diagnostics) or for a roadmap item (roadmaps). One list for the three areas, read here below them."""

from django.db.models import Q

from .models import User
from .policies import reach_scope
from .roles import STAFF_WRITE_ROLES, Role


def assignable_people(user):
    """Whom ``user`` may name: active users holding the mentor or tutor role, and people working within the
    territory ``user`` reaches as a methodologist (STAFF_WRITE_ROLES: its methodologists, heads, school admins).
    Nobody for those who do not assign."""
    scope = reach_scope(user, STAFF_WRITE_ROLES)
    if scope.is_empty:
        return User.objects.none()
    q = Q(role_assignments__role__in=[Role.MENTOR, Role.TUTOR])
    if scope.everything:
        q = Q(role_assignments__isnull=False)
    else:
        if scope.region_ids:
            q |= Q(role_assignments__region_id__in=scope.region_ids)
            q |= Q(role_assignments__municipality__region_id__in=scope.region_ids)
            q |= Q(role_assignments__school__municipality__region_id__in=scope.region_ids)
        if scope.municipality_ids:
            q |= Q(role_assignments__municipality_id__in=scope.municipality_ids)
            q |= Q(role_assignments__school__municipality_id__in=scope.municipality_ids)
    ids = User.objects.filter(q, is_active=True).values("pk")
    return User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "username")
