"""The one access gate, as querysets see it.

Every read of scoped data goes through ``Model.objects.visible_to(user)`` and every write through
``Model.objects.editable_by(user)`` (or the policy's ``require``). These are aliases of the model's permission
policy (``core.policies``): ``visible_to`` is ``policy_for(Model).instances(user, "view")``, ``editable_by`` its
``"change"``, ``reachable_by(user, roles)`` what a set of roles reaches (through the territory tree; an action's
special rules only with ``action=``). A user without a matching role assignment
gets an empty queryset. The scope itself is decided by the pure ``core.roles.scope_from_grants``; ``core.territory``
turns it into query filters.
"""

from django.db import models

from .policies import CHANGE, PolicyQuerySet, policy_for
from .roles import ALL_ROLES, STAFF_WRITE_ROLES, Role
from .territory import (
    ASSIGNMENT_PROVIDERS,
    AssignedReach,
    forget_scope,
    register_assignment_provider,
    scope_q,
    user_scope,
)


class ScopedQuerySet(PolicyQuerySet):
    """Base queryset of every model whose rows belong to a school, a municipality or a region.

    Subclasses set the lookup paths from the model to each level (None where the model has no such
    link) and which roles read and write; the model's policy (``core.policies``) reads them. The gate's
    methods below are the policy's aliases, so a chain (``School.objects.active().visible_to(user)``) keeps
    its filters.
    """

    # A ScopedQuerySet's model gets a default policy when its app declares none (core.policies.policy_for).
    permission_scoped = True

    region_path: str | None = "school__municipality__region"
    municipality_path: str | None = "school__municipality"
    school_path: str | None = "school"
    # Set on teachers' personal data (the teacher itself, courses, tutor assignments…): roles in
    # TEACHER_LEVEL_ROLES then reach a row only through its teacher, never through the teacher's school.
    teacher_path: str | None = None
    read_roles: frozenset[str] = ALL_ROLES
    write_roles: frozenset[str] = STAFF_WRITE_ROLES


def require_editable(user, obj: models.Model) -> None:
    """Raise PermissionDenied unless ``user`` may change ``obj`` (the write half of the gate)."""
    policy_for(obj).require(user, CHANGE, obj)


__all__ = [
    "ASSIGNMENT_PROVIDERS",
    "AssignedReach",
    "Role",
    "ScopedQuerySet",
    "forget_scope",
    "register_assignment_provider",
    "require_editable",
    "scope_q",
    "user_scope",
]
