"""Principals that are not people: what the access gate needs of a "user" that has grants but no account.

``Actor`` is the type of every ``user`` the gate is asked about (core.policies and the apps' policies, selectors
and services): a person (core.models.User), Django's AnonymousUser, a principal with grants and no account (an
API key's, below) or the portal itself (core.policies.SYSTEM). It names what the gate reads of each of them.
"""

from typing import Any, Protocol, TypeGuard

from .roles import Grant


class Actor(Protocol):
    """Whoever asks: what the gate reads of a user, an anonymous visitor, a principal or SYSTEM."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...

    @property
    def pk(self) -> Any: ...


class Principal(Actor, Protocol):
    """An actor that may act (authenticated and active): a person, a principal with grants, SYSTEM."""

    @property
    def grants(self) -> list[Grant]: ...

    @property
    def roles(self) -> frozenset[str]: ...

    def has_role(self, *roles: str) -> bool: ...


def is_acting(user: Actor | None) -> TypeGuard[Principal]:
    """Authenticated and active: the anonymous, the inactive and a missing user act on nothing."""
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


class GrantsPrincipal:
    """Subclasses provide ``grants`` (a list of ``core.roles.Grant``) and ``__str__``. No account: ``pk`` is None,
    so nothing is ever recorded as written by it and person-only paths (named responsible…) do not apply."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    is_anonymous = False
    pk = None
    id = None
    grants: list[Grant]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.grants)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def full_name(self) -> str:
        return str(self)
