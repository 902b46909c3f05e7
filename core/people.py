"""People the three areas below reports share, read here below them.

- Whom a staff member may name: as a school's mentor or a teacher's tutor (mentoring), as the person responsible
  for an ИОМ line (diagnostics) or for a roadmap item (roadmaps): ``assignable_people``.
- A teacher's tutor on a day, whom a new ИОМ's lines name responsible (diagnostics): ``tutor_of``. The tutors'
  assignments by order are mentoring's; mentoring registers the finder in ``MentoringConfig.ready()``, as it
  registers what mentors and tutors reach (``core.access.register_assignment_provider``).
"""

import datetime
from collections.abc import Callable

from django.db.models import Q

from .models import User
from .policies import reach_scope
from .principals import Actor
from .roles import STAFF_WRITE_ROLES, Role


def assignable_people(user: Actor | None):
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


# The finder of a teacher's tutor: function(teacher_id, day) -> User | None. One at most (mentoring's); without
# it a teacher has no tutor.
_TUTOR_FINDER: list[Callable[[int, datetime.date], User | None]] = []


def register_tutor_finder(finder: Callable[[int, datetime.date], User | None]) -> None:
    _TUTOR_FINDER[:] = [finder]


def tutor_of(teacher_id: int, day: datetime.date) -> User | None:
    """The tutor assigned to the teacher on ``day`` by the registered finder; None without one."""
    return _TUTOR_FINDER[0](teacher_id, day) if _TUTOR_FINDER else None
