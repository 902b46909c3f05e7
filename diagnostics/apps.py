from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = "Диагностика и ИОМ"

    def ready(self) -> None:
        from core.navigation import allowed, holds_role_personally, register_menu_entry
        from core.roles import Role
        from schools.models import School, Teacher
        from schools.policies import OVERSEE

        is_staff_reader = allowed(School, OVERSEE)
        sees_personal_data = allowed(Teacher)

        from . import (
            audit,
            results_import,  # noqa: F401  (the «diagnostics» importer registers itself)
        )

        register_menu_entry(
            order=100, title="Диагностика и ИОМ", url_name="diagnostics:campaigns", shown=is_staff_reader
        )
        # Teachers' routes alone for those who see personal data but not the campaigns.
        register_menu_entry(
            order=101,
            title="ИОМ",
            url_name="diagnostics:routes",
            shown=lambda user: not is_staff_reader(user) and sees_personal_data(user),
        )
        register_menu_entry(
            order=110,
            title="Квартальные формы",
            url_name="diagnostics:forms",
            shown=holds_role_personally(Role.SCHOOL_ADMIN),
        )

        audit.register()
