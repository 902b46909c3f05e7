"""What a user reaches of the organisation tree, and that reach as query filters.

The building blocks of the permission policies (core.policies): ``user_scope`` turns a user's role
assignments (and, for mentors and tutors, their assignments by order) into a ``core.roles.Scope``;
``scope_q`` turns a scope into a filter. Nothing outside core.policies and core.access should call them:
ask the model's policy instead.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from .db_router import primary_reads
from .principals import Actor, Principal, is_acting
from .roles import ALL_ROLES, Scope, scope_from_grants


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


def user_scope(user: Actor | None, roles: frozenset[str] = ALL_ROLES) -> Scope:
    """What ``user`` reaches through the given roles. Anonymous and inactive users reach nothing."""
    if not is_acting(user):
        return Scope()
    cache = user.__dict__.setdefault("_scope_cache", {})
    if roles in cache:
        return cache[roles]
    with primary_reads():  # grants and orders are read on the primary, never on a lagging replica
        scope = _compute_scope(user, roles)
    cache[roles] = scope
    return scope


def _compute_scope(user: Principal, roles: frozenset[str]) -> Scope:
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
    return scope


def _assigned_reach(user: Actor | None, role: str) -> AssignedReach:
    """One provider call per user object and role, whatever roles a caller asks about."""
    cache = user.__dict__.setdefault("_assigned_reach_cache", {})
    if role not in cache:
        cache[role] = ASSIGNMENT_PROVIDERS[role](user)
    return cache[role]


def forget_scope(user: Actor | None) -> None:
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
