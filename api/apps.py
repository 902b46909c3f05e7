from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API для региональных систем"

    def ready(self) -> None:
        from . import schema, tombstones  # noqa: F401  (the OpenAPI extension registers on import)

        tombstones.connect()
