from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo region (``manage.py load_demo``): on top of every app, which it fills through their services."""

    name = "demo"
    verbose_name = "Демонстрационные данные"

    def ready(self) -> None:
        # Each module registers its step with its order: results, mentoring, ИОМ, roadmaps, reports.
        from . import diagnostics, mentoring, reports, roadmaps, schools  # noqa: F401
