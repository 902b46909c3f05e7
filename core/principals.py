"""Principals that are not people: what the access gate needs of a "user" that has grants but no account."""

from .roles import Grant


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
