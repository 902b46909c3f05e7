"""The navigation menu per role: what a user sees in the header is what the gate lets them open.

Core knows no area above it: every app registers its entries in ``AppConfig.ready()`` through
``register_menu_entry`` (as the apps register assignment providers in core.access), each with the predicate
that decides whether the user may open it. The menu lists, in ``order``, the entries whose predicate holds.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from .policies import VIEW, policy_for


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class MenuEntry:
    order: int  # position in the header; the apps' entries interleave (see MENU_ORDER in the apps' apps.py)
    title: str
    url_name: str
    shown: Callable[[object], bool]  # shown(user): whether the user may open the page


MENU_ENTRIES: dict[str, MenuEntry] = {}


def register_menu_entry(*, order: int, title: str, url_name: str, shown: Callable[[object], bool]) -> None:
    """Add (or replace, keyed by the URL name) an entry of the menu."""
    MENU_ENTRIES[url_name] = MenuEntry(order=order, title=title, url_name=url_name, shown=shown)


def mark_current(items: list[NavItem], path: str) -> list[NavItem]:
    """The item whose URL is the longest prefix of ``path`` is the current one ("/" only for itself)."""
    matches = [item for item in items if path == item.url or (item.url != "/" and path.startswith(item.url))]
    if not matches:
        return items
    best = max(matches, key=lambda item: len(item.url))
    return [NavItem(item.title, item.url, current=item is best) for item in items]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # an area that is not installed in this build
        return None


def allowed(model, action: str = VIEW) -> Callable[[object], bool]:
    """An entry's predicate: the user may do ``action`` with ``model`` somewhere (its policy says; no query for the
    plain role-based policies, the scope is computed once per request)."""

    def shown(user) -> bool:
        return policy_for(model).can(user, action)

    return shown


def holds_role_personally(*roles: str) -> Callable[[object], bool]:
    """A role held by a person (a superuser holds every role but is not a mentor, a tutor or a school)."""

    def shown(user) -> bool:
        return user.has_role(*roles) and not user.is_superuser

    return shown


def menu_for(user, path: str = "") -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for entry in sorted(MENU_ENTRIES.values(), key=lambda entry: entry.order):
        if not entry.shown(user):
            continue
        url = _url(entry.url_name)
        if url:
            items.append(NavItem(entry.title, url))
    return mark_current(items, path)
