from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Школы"

    def ready(self) -> None:
        from . import demo, importers, results_import  # noqa: F401  (register importers and the demo step)
