from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Пользователи и доступ"

    def ready(self) -> None:
        from . import auth_log

        auth_log.connect()

        from . import two_factor

        two_factor.connect()

        from . import sqlite

        sqlite.connect()
