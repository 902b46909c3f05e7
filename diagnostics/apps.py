from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = "Диагностика и ИОМ"

    def ready(self) -> None:
        # The demo step, and the «diagnostics» importer registering itself.
        from . import demo, results_import  # noqa: F401
