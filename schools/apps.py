from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Школы"

    def ready(self) -> None:
        from core.imports import register_regions_source
        from core.navigation import register_menu_entry, sees_personal_data

        from . import audit, importers, results_import, teacher_import  # noqa: F401  (they register their import kinds)
        from .selectors import regions_writable_by
        from .views_flags.shared import may_edit_flag_rule, may_see_approved_lists, may_see_flags

        register_regions_source(regions_writable_by)
        for order, title, url_name, shown in (
            (30, "Школы", "schools:list", lambda user: True),
            (40, "Статусы ШНОР", "schools:flags", may_see_flags),
            (50, "Перечни ШНОР", "schools:approved_list_index", may_see_approved_lists),
            (60, "Правило ШНОР", "schools:flag_rule", may_edit_flag_rule),
            (70, "Педагоги", "schools:teachers", sees_personal_data),
        ):
            register_menu_entry(order=order, title=title, url_name=url_name, shown=shown)

        audit.register()
