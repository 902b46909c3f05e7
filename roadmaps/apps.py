from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = "Дорожные карты, мероприятия, риски"

    def ready(self) -> None:
        from core.navigation import is_staff_reader, reaches_anything, register_menu_entry
        from diagnostics.selectors import register_coverage_counter

        from . import (
            audit,
            items_import,  # noqa: F401  (the importer registers itself)
        )
        from .indicators.coverage import ivom_coverage

        register_menu_entry(
            order=20, title="Панель методиста", url_name="roadmaps:dashboard", shown=is_staff_reader
        )
        register_menu_entry(
            order=120, title="Дорожные карты", url_name="roadmaps:list", shown=reaches_anything
        )

        audit.register()
        register_coverage_counter(ivom_coverage)
