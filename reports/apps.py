from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Отчёты"

    def ready(self):
        from core.navigation import register_menu_entry

        from . import audit
        from .policies import may_open_reports

        register_menu_entry(order=130, title="Отчёты", url_name="reports:list", shown=may_open_reports)

        audit.register()
