from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Уведомления"

    def ready(self) -> None:
        from core.imports import register_outcome_listener

        from .services import import_outcome_notify

        # core is below this app: an import's outcome reaches the notifications through core's registry.
        register_outcome_listener(import_outcome_notify)
