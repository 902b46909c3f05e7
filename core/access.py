"""The one access gate.

Every read of scoped data goes through ``Model.objects.visible_to(user)`` and every write through
``Model.objects.editable_by(user)`` (or ``require_editable``). Both start from nothing: a user without a
matching role assignment gets an empty queryset. The scope itself is decided by the pure
``core.roles.scope_from_grants``; this module only turns it into query filters.
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from .roles import ALL_ROLES, STAFF_WRITE_ROLES, Role, Scope, scope_from_grants

# Mentors and tutors reach the schools they are assigned to by orders. The mentoring app registers a
# provider here (role -> function(user) -> school ids); without one they reach nothing.
ASSIGNED_SCHOOL_PROVIDERS: dict[str, Callable[[object], Iterable[int]]] = {}


def register_assigned_schools_provider(role: str, provider: Callable[[object], Iterable[int]]) -> None:
    ASSIGNED_SCHOOL_PROVIDERS[role] = provider


def user_scope(user, roles: frozenset[str] = ALL_ROLES) -> Scope:
    """What ``user`` reaches through the given roles. Anonymous and inactive users reach nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cache = user.__dict__.setdefault("_scope_cache", {})
    if roles in cache:
        return cache[roles]
    scope = scope_from_grants(user.grants, roles, superuser=user.is_superuser)
    assigned_roles = roles & user.roles & ASSIGNED_SCHOOL_PROVIDERS.keys()
    if assigned_roles and not scope.everything:
        extra = set(scope.school_ids)
        for role in assigned_roles:
            extra.update(ASSIGNED_SCHOOL_PROVIDERS[role](user))
        scope = Scope(
            region_ids=scope.region_ids, municipality_ids=scope.municipality_ids, school_ids=frozenset(extra)
        )
    cache[roles] = scope
    return scope


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
    read_roles: frozenset[str] = ALL_ROLES
    write_roles: frozenset[str] = STAFF_WRITE_ROLES

    def _within(self, scope: Scope):
        q = scope_q(
            scope, region=self.region_path, municipality=self.municipality_path, school=self.school_path
        )
        return self.all() if q is None else self.filter(q)

    def visible_to(self, user):
        return self._within(user_scope(user, self.read_roles))

    def editable_by(self, user):
        return self._within(user_scope(user, self.write_roles))


def require_editable(user, obj: models.Model) -> None:
    """Raise PermissionDenied unless ``user`` may change ``obj`` (the write half of the gate)."""
    manager = type(obj)._default_manager
    if not manager.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied("Недостаточно прав для изменения этой записи.")


def can_write_somewhere(user, roles: frozenset[str] = STAFF_WRITE_ROLES) -> bool:
    return not user_scope(user, roles).is_empty


__all__ = [
    "Role",
    "ScopedQuerySet",
    "can_write_somewhere",
    "register_assigned_schools_provider",
    "require_editable",
    "scope_q",
    "user_scope",
]
