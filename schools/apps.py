from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Школы"

    def ready(self) -> None:
        from . import demo, importers, results_import, teacher_import  # noqa: F401  (importers, the demo step)
