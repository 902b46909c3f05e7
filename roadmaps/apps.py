from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = "Дорожные карты, мероприятия, риски"

    def ready(self) -> None:
        from core.navigation import allowed, register_menu_entry
        from schools.models import School

        from . import (
            audit,
            items_import,  # noqa: F401  (the importer registers itself)
        )

        register_menu_entry(
            order=120, title="Дорожные карты", url_name="roadmaps:list", shown=allowed(School)
        )

        audit.register()
