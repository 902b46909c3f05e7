"""Permission policies: the one place that decides "may this user do X with this object".

In the spirit of Wagtail's permission policies, every scoped model has exactly one policy, bound to the model:

- ``instances(user, action)`` — the rows the user may act on (a queryset; deny by default);
- ``can(user, action, obj=None)`` — may the user do it with ``obj`` (``obj=None``: anywhere at all);
- ``require(user, action, obj=None)`` — the same, raising ``PermissionDenied`` with a Russian message.

An action is a name: ``"view"`` (the model's read roles), ``"change"`` (its write roles) and the extra actions a
policy declares in ``actions`` (``{"approve": APPROVE_ROLES}``). What a set of roles reaches is decided by one
method, ``scope(queryset, user, roles, action)``; its default is the territory tree of ``core.access``
(``user_scope`` turned into filters over the queryset's ``region_path``/``municipality_path``/``school_path``/
``teacher_path``). A policy with special rules (a person named responsible reads the roadmap, the author edits
their log entry…) overrides ``scope`` and nothing else, so the queryset aliases (``visible_to``, ``editable_by``,
``reachable_by``), ``can`` and ``require`` can never disagree.

Registration: an app's ``<app>/policies.py`` declares ``@register_policy(Model) class ModelPolicy(Policy)``; the
modules are imported on the first ``policy_for`` (``autodiscover``, as the admin discovers ``admin`` modules). A model
whose default queryset is a ``ScopedQuerySet`` and that has nothing special gets a plain ``Policy`` on first use.

Trusted internal callers (management commands, Celery tasks acting for the system, data migrations) pass the
``SYSTEM`` actor: every policy lets it do everything. A request's user can never be ``SYSTEM``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeGuard, TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.module_loading import autodiscover_modules

from .principals import Actor, Principal, is_acting
from .roles import AUDIT_ROLES, STAFF_WRITE_ROLES, TEACHER_LEVEL_ROLES, Role, Scope
from .territory import scope_q, user_scope

if TYPE_CHECKING:
    from .models import User  # core.models imports this module

VIEW = "view"
CHANGE = "change"


class _SystemActor:
    """The portal itself acting on behalf of nobody: management commands, scheduled tasks, migrations.

    It is not a user (no account, no roles); a policy asked about it answers yes to everything. Only code that
    is itself trusted (never a view, never an API endpoint) may pass it.
    """

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    is_anonymous = False
    pk = None
    id = None
    grants: list = []  # noqa: RUF012 - never mutated
    roles: frozenset[str] = frozenset()

    def has_role(self, *roles: str) -> bool:
        return True

    @property
    def full_name(self) -> str:
        return "Система"

    def __str__(self) -> str:
        return "Система"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _SystemActor()


def is_system(user: Actor | None) -> bool:
    return user is SYSTEM


def may_act(user: Actor | None) -> TypeGuard[Principal]:
    """Anonymous, missing and inactive users reach nothing, whatever a policy says."""
    return is_acting(user)


def is_person(user: Actor | None) -> TypeGuard[User]:
    """A person with an account (an API key's or a report's principal has none): person-only paths apply."""
    return may_act(user) and getattr(user, "pk", None) is not None


def role_set(roles: Iterable[str]) -> frozenset[str]:
    """``roles`` as a frozenset of known roles. A string is refused (``frozenset("head")`` is four letters, not
    a role), and so is a name that is no role: either would silently reach nothing."""
    if isinstance(roles, str):
        raise TypeError(f"a set of roles is expected, not the string {str(roles)!r}")
    roles = frozenset(roles)
    unknown = roles - set(Role)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(str(role) for role in unknown)}")
    return roles


def reach_scope(user: Actor | None, roles: frozenset[str]) -> Scope:
    """The territory ``user`` reaches through ``roles``: nothing for the anonymous and inactive, everything for
    ``SYSTEM`` (a policy's ``reach_scope``; also what ``core.people`` asks about whom a user may name)."""
    if not may_act(user):
        return Scope()
    if is_system(user):
        return Scope(everything=True)
    return user_scope(user, roles)


class Policy:
    """What users may do with the rows of one model. Subclass to declare extra actions or a special scope."""

    model: type[models.Model]
    # Role sets of the two plain actions; None takes the model's queryset ones (ScopedQuerySet.read_roles…).
    read_roles: frozenset[str] | None = None
    write_roles: frozenset[str] | None = None
    # Extra actions: name -> the roles that may do it (within their territory).
    actions: Mapping[str, frozenset[str]] = {}
    # Messages of ``require`` per action; others get ``denied_message``.
    messages: Mapping[str, str] = {
        VIEW: "Нет доступа к этой записи.",
        CHANGE: "Недостаточно прав для изменения этой записи.",
    }
    denied_message = "Недостаточно прав для этого действия."

    def __init__(self, model: type[models.Model]):
        self.model = model

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model._meta.label}>"

    # -- where the model sits in the territory tree (declared on its queryset) ------------------------------

    @property
    def _queryset_class(self) -> type:
        # Set by QuerySet.as_manager()/Manager.from_queryset(); the stubs do not declare it.
        return self.model._default_manager._queryset_class  # type: ignore[attr-defined]

    def _path(self, name: str) -> str | None:
        return getattr(self._queryset_class, name, None)

    # -- actions ---------------------------------------------------------------------------------------------

    def roles(self, action: str) -> frozenset[str]:
        """The roles that may do ``action`` (within their territory)."""
        if action == VIEW:
            roles = self.read_roles if self.read_roles is not None else self._path("read_roles")
        elif action == CHANGE:
            roles = self.write_roles if self.write_roles is not None else self._path("write_roles")
        elif action in self.actions:
            roles = self.actions[action]
        else:
            raise ValueError(f"{self!r}: unknown action {action!r}")
        if roles is None:
            raise ImproperlyConfigured(f"{self!r}: no roles for {action!r}")
        return frozenset(roles)

    def action_names(self) -> list[str]:
        return [VIEW, CHANGE, *self.actions]

    # -- the one method to override --------------------------------------------------------------------------

    def scope(
        self, queryset: models.QuerySet, user: Actor | None, roles: frozenset[str], action: str | None
    ) -> models.QuerySet:
        """The rows of ``queryset`` that ``user`` reaches through ``roles`` for ``action``.

        ``action`` is None when a caller asks about a set of roles that is no action of this policy (an audit,
        an indicator): special rules tied to an action do not apply then. ``user`` is an active, authenticated
        user or principal here (the others were denied before). The default is the territory tree.
        """
        return self.territory(queryset, user, roles)

    def territory(
        self, queryset: models.QuerySet, user: Actor | None, roles: frozenset[str], **paths: str | None
    ) -> models.QuerySet:
        """Rows reached through the territory tree: region, municipality, school, and teachers one by one.

        ``paths`` overrides the queryset's lookup paths (``school_path=None``: not through schools)."""

        def path(name: str) -> str | None:
            return paths[name] if name in paths else self._path(name)

        region, municipality, school = path("region_path"), path("municipality_path"), path("school_path")
        teacher = path("teacher_path")
        if teacher is None:
            q = scope_q(user_scope(user, roles), region=region, municipality=municipality, school=school)
            return queryset if q is None else queryset.filter(q)
        q = scope_q(
            user_scope(user, roles - TEACHER_LEVEL_ROLES),
            region=region,
            municipality=municipality,
            school=school,
        )
        if q is None:
            return queryset
        teacher_ids = user_scope(user, roles & TEACHER_LEVEL_ROLES).teacher_ids
        if teacher_ids:
            q |= Q(**{f"{teacher}__in": teacher_ids})
        return queryset.filter(q)

    def territory_distinct(
        self, queryset: models.QuerySet, user: Actor | None, roles: frozenset[str], **paths: str | None
    ):
        """``territory`` for a model reached through a reverse (to-many) path: one row each, ids selected first."""
        everything = self.model._default_manager.all()
        reached = self.territory(everything, user, roles, **paths)
        if reached is everything:  # the whole tree: no filter to add
            return queryset
        return queryset.filter(pk__in=reached.values("pk"))

    def reach_scope(self, user: Actor | None, roles: frozenset[str]) -> Scope:
        """The territory ``user`` reaches through ``roles`` (a building block for ``can_anywhere``)."""
        return reach_scope(user, roles)

    def can_anywhere(self, user: Actor | None, action: str) -> bool:
        """May ``user`` do ``action`` somewhere (before there is an object: a «create» button, a list's page)?

        The default: the user holds one of the action's roles over some territory. Override together with
        ``scope`` when a special rule opens the action without a role.
        """
        roles = self.roles(action)
        if not roles and not is_system(user):  # an action no role may do: nobody, superusers included
            return False
        return not self.reach_scope(user, roles).is_empty

    # -- actions asked about the owner, before the object exists ---------------------------------------------

    def owners(
        self,
        owner_model: type[models.Model],
        user: Actor | None,
        action: str,
        queryset: models.QuerySet | None = None,
    ):
        """Rows of ``owner_model`` (a school, a municipality, a teacher: what a new object of this model will
        belong to) where ``user`` may do ``action``: the owner's own policy asked with this action's roles, through
        its territory tree (no action of the owner's policy: its special rules are about its own rows)."""
        return policy_for(owner_model).reach(user, self.roles(action), queryset)

    def can_for_owner(self, user: Actor | None, action: str, owner: models.Model) -> bool:
        """May ``user`` do ``action`` with a (new) object belonging to ``owner``?"""
        owner_model = type(owner)
        return self.owners(
            owner_model, user, action, owner_model._default_manager.filter(pk=owner.pk)
        ).exists()

    def require_for_owner(self, user: Actor | None, action: str, owner: models.Model) -> None:
        if not self.can_for_owner(user, action, owner):
            self.deny(action)

    def deny(self, action: str) -> NoReturn:
        """Refuse ``action`` with this policy's Russian message."""
        raise PermissionDenied(self.messages.get(action, self.denied_message))

    # -- the public face -------------------------------------------------------------------------------------

    def _base(self, queryset: models.QuerySet | None) -> models.QuerySet:
        if queryset is None:
            return self.model._default_manager.all()
        if queryset.model is not self.model:
            raise ValueError(f"{self!r}: a queryset of {queryset.model._meta.label}")
        return queryset

    def reach(
        self,
        user: Actor | None,
        roles: Iterable[str],
        queryset: models.QuerySet | None = None,
        *,
        action: str | None = None,
    ) -> models.QuerySet:
        """Rows reached through a set of roles (``ScopedQuerySet.reachable_by``).

        The role set never names an action: two actions may share one (RoadmapItem's ``change``, ``move`` and
        ``add_evidence``), and once the first of them was taken for all. Without ``action`` the special rules of
        ``scope`` do not apply (the territory tree alone: an audit, an indicator, an owner asked before an
        object exists). With ``action`` they are that action's, and ``roles`` must be some of its roles."""
        roles = role_set(roles)
        if action is not None and not roles <= self.roles(action):
            extra = sorted(str(role) for role in roles - self.roles(action))
            raise ValueError(f"{self!r}: {extra} are not roles of {action!r}")
        queryset = self._base(queryset)
        if not may_act(user):
            return queryset.none()
        if is_system(user):
            return queryset
        return self.scope(queryset, user, roles, action)

    def instances(
        self, user: Actor | None, action: str, queryset: models.QuerySet | None = None
    ) -> models.QuerySet:
        """Rows (of ``queryset``, by default all) on which ``user`` may do ``action``. Deny by default."""
        roles = self.roles(action)
        queryset = self._base(queryset)
        if not may_act(user):
            return queryset.none()
        if is_system(user):
            return queryset
        if not roles:  # an action no role may do (a journal's «change»): nobody, whatever ``scope`` says
            return queryset.none()
        return self.scope(queryset, user, roles, action)

    def can(self, user: Actor | None, action: str, obj: models.Model | None = None) -> bool:
        """May ``user`` do ``action`` with ``obj`` (``None``: anywhere at all)?"""
        if obj is None:
            return self.can_anywhere(user, action)
        if obj.pk is None:
            raise ValueError(f"{self!r}: can() is asked about a saved object")
        return self.instances(user, action, self.model._default_manager.filter(pk=obj.pk)).exists()

    def require(self, user: Actor | None, action: str, obj: models.Model | None = None) -> None:
        """Raise ``PermissionDenied`` (with a Russian message) unless ``can(user, action, obj)``."""
        if not self.can(user, action, obj):
            self.deny(action)


class PolicyQuerySet(models.QuerySet):
    """A queryset whose gate methods are its model's policy: chains keep their filters
    (``School.objects.active().visible_to(user)``)."""

    def reachable_by(self, user: Actor | None, roles: Iterable[str], *, action: str | None = None):
        """Rows ``user`` reaches through ``roles`` (the gate for a purpose other than plain read or write); an
        action's special rules only when it is named (``Policy.reach``)."""
        return policy_for(self.model).reach(user, roles, self, action=action)

    def visible_to(self, user: Actor | None):
        return policy_for(self.model).instances(user, VIEW, self)

    def editable_by(self, user: Actor | None):
        return policy_for(self.model).instances(user, CHANGE, self)


class ImportBatchPolicy(Policy):
    """An import is seen by whoever uploaded it and by staff of its whole region (and superusers).

    Registered for ``core.models.ImportBatch`` next to the model (core.policies cannot import core.models: the
    models of every app import the gate)."""

    read_roles = STAFF_WRITE_ROLES
    write_roles = STAFF_WRITE_ROLES

    def scope(self, queryset, user: Actor | None, roles, action):
        scope = user_scope(user, roles)
        if scope.everything:
            return queryset
        q = Q(region_id__in=scope.region_ids)
        if is_person(user):
            q |= Q(uploaded_by=user)
        return queryset.filter(q)

    def can_upload(self, user: Actor | None, write_roles: frozenset[str]) -> bool:
        """May ``user`` upload a kind of data that ``write_roles`` write (core.imports: each importer names its
        roles; the rows are checked one by one against the user's reach when applied)?"""
        return not self.reach_scope(user, write_roles).is_empty

    def require_upload(self, user: Actor | None, write_roles: frozenset[str]) -> None:
        if not self.can_upload(user, write_roles):
            school_admins = " и администраторы школ" if Role.SCHOOL_ADMIN in write_roles else ""
            raise PermissionDenied(f"Загружать эти данные могут методисты{school_admins}.")


class AuditPolicy(Policy):
    """The audit (the changes to the working data and the sign-in journal), registered for ``core.AuthEvent``:
    the municipality's (or region's) methodologists and department heads read what happened in their territory;
    superusers read everything. Schools, mentors, tutors and the regional analyst do not. Each journal row is
    placed by its person (core.selectors_audit.Reach: the people of the reader's territory)."""

    read_roles = AUDIT_ROLES
    write_roles = frozenset()
    messages = {  # noqa: RUF012
        VIEW: "Журнал изменений доступен методистам, руководителям управления образования и администраторам портала.",
    }

    def scope(self, queryset, user: Actor | None, roles, action):
        from .selectors_audit import Reach, any_in  # the audit's reach reads the apps' registered people

        reach = Reach(user)
        if reach.everything:
            return queryset
        return queryset.filter(any_in("user_id", reach.user_ids))

    # -- where the reader's audit reaches: each organisation's own policy decides ---------------------------------

    def audited(self, user: Actor | None, model: type[models.Model]) -> models.QuerySet:
        """Ids of ``model``'s rows (a municipality, a school) in the territory ``user`` audits: that model's
        policy asked with the audit roles (core.selectors_audit places each historical row by such ids)."""
        return policy_for(model).reach(user, self.roles(VIEW)).values("pk")

    def audited_whole(self, user: Actor | None, region_model: type[models.Model]) -> models.QuerySet:
        """Ids of the regions whose own records (a region-wide role, a region's справка) ``user`` audits: the
        region's policy through region-wide grants alone. A municipality's staff reach their region through the
        municipality, yet the region's own records are not theirs."""
        regions = region_model._default_manager.all()
        if is_system(user):
            return regions.values("pk")
        if not may_act(user):
            return regions.none().values("pk")
        return (
            policy_for(region_model)
            .territory(regions, user, self.roles(VIEW), municipality_path=None, school_path=None)
            .values("pk")
        )


# -- the registry ------------------------------------------------------------------------------------------------

_REGISTRY: dict[type[models.Model], Policy] = {}
_DECLARED: set[type[models.Model]] = set()

P = TypeVar("P", bound=type[Policy])


def register_policy(model: type[models.Model], policy_class: type[Policy] | None = None) -> Any:
    """Give ``model`` its policy. Usable as a decorator: ``@register_policy(School) class SchoolPolicy(Policy)``.

    A model gets exactly one policy: a second registration is a configuration error.
    """

    def register(cls: P) -> P:
        model_class = model._meta.concrete_model or model  # a concrete model is its own
        if model_class in _DECLARED:
            raise ImproperlyConfigured(
                f"{model_class._meta.label} already has a policy: {_REGISTRY[model_class]!r}"
            )
        _DECLARED.add(model_class)
        _REGISTRY[model_class] = cls(model_class)
        return cls

    if policy_class is not None:
        register(policy_class)
        return policy_class
    return register


def policy_for(model_or_instance: type[models.Model] | models.Model) -> Any:
    """The policy of a model (or of an instance's model).

    Typed ``Any``: the registered policy is a subclass with its own methods (``can_for_school``, ``require_upload``…)
    that the callers use by name; a ``Policy`` annotation would hide them from mypy."""
    model = model_or_instance if isinstance(model_or_instance, type) else type(model_or_instance)
    model = model._meta.concrete_model or model  # a concrete model is its own
    if not _discovered:
        autodiscover()
    try:
        return _REGISTRY[model]
    except KeyError:
        pass
    if not getattr(model._default_manager._queryset_class, "permission_scoped", False):  # type: ignore[attr-defined]
        raise ImproperlyConfigured(f"{model._meta.label} has no permission policy")
    policy = _REGISTRY.setdefault(model, Policy(model))
    return policy


def registered_policies() -> dict[type[models.Model], Policy]:
    """Every policy declared or built so far, by model (the access matrix and the policy tests walk them)."""
    return dict(_REGISTRY)


def scoped_models() -> list[type[models.Model]]:
    """Every installed model that has a policy, declared or built from its ScopedQuerySet."""
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if model._meta.concrete_model in _DECLARED
        or getattr(model._default_manager._queryset_class, "permission_scoped", False)  # type: ignore[attr-defined]
    ]


def can(user: Actor | None, action: str, obj: models.Model) -> bool:
    """Shortcut: ``policy_for(obj).can(user, action, obj)``."""
    return policy_for(obj).can(user, action, obj)


def require(user: Actor | None, action: str, obj: models.Model) -> None:
    """Shortcut: ``policy_for(obj).require(user, action, obj)``."""
    policy_for(obj).require(user, action, obj)


_discovered = False
_discovering = False
_discover_lock = threading.RLock()


def autodiscover() -> None:
    """Import every installed app's ``policies`` module, so that each declared policy is registered before
    a default one could be built in its place. Runs on the first ``policy_for`` (the app registry is ready by
    then). Another thread asking meanwhile waits for the imports to finish (it must never build a default
    policy in place of a declared one); a policies module asking ``policy_for`` while it is imported (the same
    thread, the lock is re-entrant) does not recurse."""
    global _discovered, _discovering
    if _discovered:
        return
    with _discover_lock:
        if _discovered or _discovering:
            return
        _discovering = True
        try:
            autodiscover_modules("policies")
        finally:
            _discovering = False
        _discovered = True


__all__ = [
    "CHANGE",
    "SYSTEM",
    "VIEW",
    "AuditPolicy",
    "ImportBatchPolicy",
    "Policy",
    "PolicyQuerySet",
    "autodiscover",
    "can",
    "is_person",
    "may_act",
    "is_system",
    "policy_for",
    "register_policy",
    "registered_policies",
    "role_set",
    "require",
    "scoped_models",
]
