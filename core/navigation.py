"""The navigation menu per role: what a user sees in the header is what the gate lets them open."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from .access import user_scope
from .roles import PERSONAL_DATA_ROLES, STAFF_WRITE_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str
    current: bool = False


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


STAFF_READ_ROLES = frozenset({Role.METHODIST, Role.HEAD, Role.REGIONAL_ANALYST})


def menu_for(user, path: str = "") -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    from reports.views import may_open_reports as reports_menu
    from schools.views_flags import may_edit_flag_rule, may_see_approved_lists, may_see_flags

    from .selectors_audit import may_see_audit
    from .views_imports import importers_for

    reaches_anything = not user_scope(user).is_empty
    staff = not user_scope(user, STAFF_READ_ROLES).is_empty
    personal_data = not user_scope(user, PERSONAL_DATA_ROLES).is_empty
    entries: list[tuple[str, str]] = [("Главная", "home")]
    if staff:
        entries.append(("Панель методиста", "roadmaps:dashboard"))
    entries.append(("Школы", "schools:list"))
    if may_see_flags(user):
        entries.append(("Статусы ШНОР", "schools:flags"))
    if may_see_approved_lists(user):
        entries.append(("Перечни ШНОР", "schools:approved_list_index"))
    if may_edit_flag_rule(user):
        entries.append(("Правило ШНОР", "schools:flag_rule"))
    if personal_data:
        entries.append(("Педагоги", "schools:teachers"))
    if user.has_role(Role.MENTOR, Role.TUTOR) and not user.is_superuser:
        entries.append(("Моё наставничество", "mentoring:my"))
    if reaches_anything:
        entries.append(("Наставничество", "mentoring:index"))
    if staff:
        entries.append(("Диагностика и ИОМ", "diagnostics:campaigns"))
    elif personal_data:
        entries.append(("ИОМ", "diagnostics:routes"))
    if user.has_role(Role.SCHOOL_ADMIN) and not user.is_superuser:
        entries.append(("Квартальные формы", "diagnostics:forms"))
    if reaches_anything:
        entries.append(("Дорожные карты", "roadmaps:list"))
    if reports_menu(user):
        entries.append(("Отчёты", "reports:list"))
    if importers_for(user):
        entries.append(("Загрузки", "imports:list"))
    if not user_scope(user, STAFF_WRITE_ROLES).is_empty:
        entries.append(("Ключи API", "api_keys:list"))
    if may_see_audit(user):
        entries.append(("Журнал изменений", "audit:changes"))
    if user.is_staff:
        entries.append(("Администрирование", "admin:index"))
    items = []
    for title, name in entries:
        url = _url(name)
        if url:
            items.append(NavItem(title, url))
    return mark_current(items, path)
