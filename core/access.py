"""The one access gate.

Every read of scoped data goes through ``Model.objects.visible_to(user)`` and every write through
``Model.objects.editable_by(user)`` (or ``require_editable``). Both start from nothing: a user without a
matching role assignment gets an empty queryset. The scope itself is decided by the pure
``core.roles.scope_from_grants``; this module only turns it into query filters.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from .roles import ALL_ROLES, STAFF_WRITE_ROLES, TEACHER_LEVEL_ROLES, Role, Scope, scope_from_grants


@dataclass(frozen=True)
class AssignedReach:
    """What a user's assignments (orders) open: schools, and teachers one by one."""

    school_ids: Iterable[int] = field(default_factory=frozenset)
    teacher_ids: Iterable[int] = field(default_factory=frozenset)


# Mentors and tutors reach what they are assigned to by orders. The mentoring app registers a provider
# per role (function(user) -> AssignedReach); without one they reach nothing.
ASSIGNMENT_PROVIDERS: dict[str, Callable[[object], AssignedReach]] = {}


def register_assignment_provider(role: str, provider: Callable[[object], AssignedReach]) -> None:
    ASSIGNMENT_PROVIDERS[role] = provider


def user_scope(user, roles: frozenset[str] = ALL_ROLES) -> Scope:
    """What ``user`` reaches through the given roles. Anonymous and inactive users reach nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cache = user.__dict__.setdefault("_scope_cache", {})
    if roles in cache:
        return cache[roles]
    scope = scope_from_grants(user.grants, roles, superuser=user.is_superuser)
    assigned_roles = roles & user.roles & ASSIGNMENT_PROVIDERS.keys()
    if assigned_roles and not scope.everything:
        schools = set(scope.school_ids)
        teachers = set(scope.teacher_ids)
        for role in sorted(assigned_roles):
            reach = _assigned_reach(user, role)
            schools.update(reach.school_ids)
            teachers.update(reach.teacher_ids)
        scope = Scope(
            region_ids=scope.region_ids,
            municipality_ids=scope.municipality_ids,
            school_ids=frozenset(schools),
            teacher_ids=frozenset(teachers),
        )
    cache[roles] = scope
    return scope


def _assigned_reach(user, role: str) -> AssignedReach:
    """One provider call per user object and role, whatever roles a caller asks about."""
    cache = user.__dict__.setdefault("_assigned_reach_cache", {})
    if role not in cache:
        cache[role] = ASSIGNMENT_PROVIDERS[role](user)
    return cache[role]


def forget_scope(user) -> None:
    """Drop what was computed about ``user``'s reach (after their roles or assignments change)."""
    for key in ("_grants_cache", "_scope_cache", "_assigned_reach_cache"):
        user.__dict__.pop(key, None)


def scope_q(scope: Scope, *, region: str | None, municipality: str | None, school: str | None) -> Q | None:
    """Filter for a scope, given the lookup paths from a model to its region, municipality and school.

    Returns None for "everything"; a path given as None means the model cannot be reached that way.
    """
    if scope.everything:
        return None
    q = Q(pk__in=[])  # default deny
    if region and scope.region_ids:
        q |= Q(**{f"{region}__in": scope.region_ids})
    if municipality and scope.municipality_ids:
        q |= Q(**{f"{municipality}__in": scope.municipality_ids})
    if school and scope.school_ids:
        q |= Q(**{f"{school}__in": scope.school_ids})
    return q


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every model whose rows belong to a school, a municipality or a region.

    Subclasses set the lookup paths from the model to each level (None where the model has no such
    link) and which roles may write.
    """

    region_path: str | None = "school__municipality__region"
    municipality_path: str | None = "school__municipality"
    school_path: str | None = "school"
    # Set on teachers' personal data (the teacher itself, courses, tutor assignments…): roles in
    # TEACHER_LEVEL_ROLES then reach a row only through its teacher, never through the teacher's school.
    teacher_path: str | None = None
    read_roles: frozenset[str] = ALL_ROLES
    write_roles: frozenset[str] = STAFF_WRITE_ROLES

    def _within(self, scope: Scope):
        q = scope_q(
            scope, region=self.region_path, municipality=self.municipality_path, school=self.school_path
        )
        return self.all() if q is None else self.filter(q)

    def reachable_by(self, user, roles: frozenset[str]):
        """Rows ``user`` reaches through ``roles`` (the gate for a purpose other than plain read or write)."""
        if self.teacher_path is None:
            return self._within(user_scope(user, roles))
        q = scope_q(
            user_scope(user, roles - TEACHER_LEVEL_ROLES),
            region=self.region_path,
            municipality=self.municipality_path,
            school=self.school_path,
        )
        if q is None:
            return self.all()
        teacher_ids = user_scope(user, roles & TEACHER_LEVEL_ROLES).teacher_ids
        if teacher_ids:
            q |= Q(**{f"{self.teacher_path}__in": teacher_ids})
        return self.filter(q)

    def visible_to(self, user):
        return self.reachable_by(user, self.read_roles)

    def editable_by(self, user):
        return self.reachable_by(user, self.write_roles)


def require_editable(user, obj: models.Model) -> None:
    """Raise PermissionDenied unless ``user`` may change ``obj`` (the write half of the gate)."""
    manager = type(obj)._default_manager
    if not manager.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied("Недостаточно прав для изменения этой записи.")


def can_write_somewhere(user, roles: frozenset[str] = STAFF_WRITE_ROLES) -> bool:
    return not user_scope(user, roles).is_empty


__all__ = [
    "AssignedReach",
    "Role",
    "ScopedQuerySet",
    "can_write_somewhere",
    "forget_scope",
    "register_assignment_provider",
    "require_editable",
    "scope_q",
    "user_scope",
]
