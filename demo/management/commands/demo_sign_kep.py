"""manage.py demo_sign_kep FILE.pdf [-o FILE.sig]: sign a file with the demo head's test КЭП (demo/kep.py), as
КриптоАРМ would with a real token: a detached CAdES-BES, ГОСТ Р 34.10-2012 over Streebog-256. Demo only."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import kep


class Command(BaseCommand):
    help = (
        "Подписать файл (PDF справки) тестовой КЭП демо-руководителя: открепленная подпись CAdES-BES по ГОСТ Р "
        "34.10-2012 — как это делают КриптоАРМ или КриптоПро ЭЦП Browser plug-in. Только для демонстрации: ключ "
        "создаёт load_demo."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="Файл для подписи, обычно PDF справки, скачанный со страницы подписи."
        )
        parser.add_argument(
            "-o", "--output", help="Куда записать подпись; по умолчанию рядом с файлом, с добавленным .sig."
        )

    def handle(self, *args, file: str, output: str | None, **options):
        if (settings.SETTINGS_MODULE or "").endswith(".production"):
            raise CommandError("Тестовая КЭП демо-руководителя — только для демонстрационного стенда.")
        directory = Path(settings.REPORTS_DEMO_CERT_DIR)
        try:
            pki = kep.read_pki(directory)
        except OSError:
            raise CommandError(
                f"Тестовой КЭП нет в {directory}: сначала загрузите демо-данные (python manage.py load_demo)."
            ) from None
        source = Path(file)
        try:
            content = source.read_bytes()
        except OSError as error:
            raise CommandError(f"Файл не читается: {source} ({error.strerror}).") from None
        target = Path(output) if output else source.with_name(source.name + ".sig")
        target.write_bytes(kep.sign_detached(content, cert_der=pki.head_der, private=pki.head_key))
        self.stdout.write(f"Подпись записана: {target}")
        self.stdout.write("Загрузите её на странице подписи справки («Подписать КЭП» → файл подписи).")
