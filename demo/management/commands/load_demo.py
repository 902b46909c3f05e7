from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.base import DEFAULT_HOST, DEFAULT_PORT, base_url, demo_load, demo_summary_text


class Command(BaseCommand):
    help = (
        "Загрузить демонстрационный регион: муниципалитеты, школы и по пользователю на каждую роль "
        "(повторный запуск ничего не дублирует и возвращает демо-пароли)."
    )

    def add_arguments(self, parser):
        # The address the portal will be served at, for the «Вход: …» line (make demo passes its HOST and PORT).
        parser.add_argument("--host", default=DEFAULT_HOST, help="Адрес, на котором будет запущен портал.")
        parser.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help="Порт, на котором будет запущен портал."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Загрузить и при настройках рабочего сервера (демо-пароли, в том числе суперпользователя, "
            "известны всем).",
        )

    def handle(self, *args, allow_production: bool, host: str, port: int, **options):
        if settings.SETTINGS_MODULE.endswith(".production") and not allow_production:
            raise CommandError(
                "Настройки рабочего сервера: демо-пользователи с известными паролями сюда не загружаются. "
                "Если это демонстрационный стенд, добавьте --allow-production."
            )
        summary = demo_load(stdout=self.stdout)
        self.stdout.write(demo_summary_text(summary, url=base_url(host, port)))
