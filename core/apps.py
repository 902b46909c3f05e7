from django.apps import AppConfig

# The header menu's order: core's entries and each app's (registered in their AppConfig.ready()) interleave.
MENU_ORDER = {
    "home": 10,
    "imports:list": 140,
    "api_keys:list": 150,  # registered by api/apps.py (the keys' policy is the api's)
    "audit:changes": 160,
    "admin:index": 170,
}


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Пользователи и доступ"

    def ready(self) -> None:
        from . import auth_log

        auth_log.connect()

        from . import two_factor

        two_factor.connect()

        from . import sqlite

        sqlite.connect()

        from .imports import importers_for
        from .models import AuthEvent
        from .navigation import allowed, register_menu_entry
        from .selectors_audit import register_core_audit_sources

        register_core_audit_sources()

        for title, url_name, shown in (
            ("Главная", "home", lambda user: True),
            ("Загрузки", "imports:list", lambda user: bool(importers_for(user))),
            ("Журнал изменений", "audit:changes", allowed(AuthEvent)),
            ("Администрирование", "admin:index", lambda user: user.is_staff),
        ):
            register_menu_entry(order=MENU_ORDER[url_name], title=title, url_name=url_name, shown=shown)
