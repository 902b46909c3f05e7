from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Школы"

    def ready(self) -> None:
        from core.imports import register_regions_source
        from core.navigation import allowed, register_menu_entry
        from core.policies import CHANGE

        from . import (  # noqa: F401  (they register their import kinds)
            audit,
            importers,
            panels_context,
            panels_identity,
            panels_vpr,
            results_import,
            teacher_import,
        )
        from .models import ApprovedList, FlagDecision, FlagRule, Teacher, VprScale
        from .selectors import regions_writable_by

        register_regions_source(regions_writable_by)
        for order, title, url_name, shown in (
            (30, "Школы", "schools:list", lambda user: True),
            (40, "Статусы ШНОР", "schools:flags", allowed(FlagDecision)),
            (50, "Перечни ШНОР", "schools:approved_list_index", allowed(ApprovedList)),
            (60, "Правило ШНОР", "schools:flag_rule", allowed(FlagRule, CHANGE)),
            (65, "Шкалы ВПР", "schools:vpr_scales", allowed(VprScale)),
            (70, "Педагоги", "schools:teachers", allowed(Teacher)),
        ):
            register_menu_entry(order=order, title=title, url_name=url_name, shown=shown)

        audit.register()
        panels_context.register()
        panels_identity.register()
        panels_vpr.register()
