from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API для региональных систем"

    def ready(self) -> None:
        from . import schema, tombstones  # noqa: F401  (the OpenAPI extension registers on import)

        tombstones.connect()

        from core.apps import MENU_ORDER
        from core.navigation import allowed, register_menu_entry
        from core.policies import CHANGE

        from .models import ClientKey

        # The keys' page is for those who may manage a key somewhere (ClientKeyPolicy's «change»).
        register_menu_entry(
            order=MENU_ORDER["api_keys:list"],
            title="Ключи API",
            url_name="api_keys:list",
            shown=allowed(ClientKey, CHANGE),
        )
