from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Школы"

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers the schools importer)
