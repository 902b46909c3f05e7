from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Показатели программы"

    def ready(self) -> None:
        from core.navigation import allowed, register_menu_entry
        from diagnostics.selectors import register_coverage_counter
        from schools.models import School
        from schools.policies import OVERSEE

        from .coverage import ivom_coverage

        register_menu_entry(
            order=20, title="Обзор территории", url_name="roadmaps:dashboard", shown=allowed(School, OVERSEE)
        )
        # The ИОМ dashboard (diagnostics, below) shows the programme's indicators 2 and 3 as counted here.
        register_coverage_counter(ivom_coverage)
