from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Школы"

    def ready(self) -> None:
        from . import demo, importers  # noqa: F401  (register the importer and the demo step)
