"""The navigation menu per role: what a user sees in the header is what the gate lets them open."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from .access import can_write_somewhere


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # an area that is not installed in this build
        return None


def menu_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    entries: list[tuple[str, str]] = [("Главная", "home"), ("Школы", "schools:list")]
    if can_write_somewhere(user):
        entries.append(("Загрузки", "imports:list"))
    if user.is_staff:
        entries.append(("Администрирование", "admin:index"))
    items = []
    for title, name in entries:
        url = _url(name)
        if url:
            items.append(NavItem(title, url))
    return items
