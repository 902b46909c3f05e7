from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = "Дорожные карты, мероприятия, риски"

    def ready(self) -> None:
        from . import demo, items_import  # noqa: F401  (the demo step, the importer)
