from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Показатели программы"

    def ready(self) -> None:
        from diagnostics.selectors import register_coverage_counter

        from .coverage import ivom_coverage

        # The ИОМ dashboard (diagnostics, below) shows the programme's indicators 2 and 3 as counted here.
        register_coverage_counter(ivom_coverage)
