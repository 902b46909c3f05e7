"""manage.py attach_signature REPORT_ID SIG --user USERNAME: attach a head's КЭП sent by e-mail (a detached .sig of
the report's PDF) as if the head had uploaded it — the same service, the same checks (reports.services_kep)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports import cades, services_kep
from reports.models import Report, ReportFormat
from reports.services import ReportError

# Exit statuses: 0 — attached; 1 — refused (the signature, the report's state or the user's rights);
# 2 — something given cannot be read or found (the file, the report, the user).
REFUSED = 1
UNREADABLE = 2


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else "не указано в подписи"


class Command(BaseCommand):
    help = (
        "Приложить к отчёту открепленную подпись (КЭП) руководителя, присланную файлом: те же проверки, что при "
        "загрузке на странице подписи. Код выхода 0 — отчёт подписан, 1 — подпись не принята, 2 — файл, отчёт "
        "или пользователь не найдены."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "report_id", type=int, help="Номер (id) отчёта в состоянии «готов, на утверждении»."
        )
        parser.add_argument(
            "signature", help="Файл открепленной подписи PDF отчёта (.sig: DER, base64 или PEM)."
        )
        parser.add_argument(
            "--user",
            required=True,
            help="Логин руководителя, чья это подпись: сертификат должен быть выдан ему (СНИЛС или ФИО в профиле).",
        )

    def handle(self, *args, report_id: int, signature: str, user: str, **options):
        try:
            data = Path(signature).read_bytes()
        except OSError as error:
            raise CommandError(
                f"Файл подписи не читается: {signature} ({error.strerror}).", returncode=UNREADABLE
            ) from None
        try:
            cades.load_signature(data)
        except cades.SignatureUnreadable as error:
            raise CommandError(f"{signature}: {error}", returncode=UNREADABLE) from None
        head = get_user_model().objects.filter(username=user).first()
        if head is None:
            raise CommandError(f"Пользователь «{user}» не найден.", returncode=UNREADABLE)
        report = Report.objects.filter(pk=report_id).first()
        if report is None:
            raise CommandError(f"Отчёт {report_id} не найден.", returncode=UNREADABLE)
        try:
            report = services_kep.report_attach_signature(user=head, report=report, signature=data)
        except PermissionDenied as error:
            raise CommandError(f"Подпись не принята: {error}", returncode=REFUSED) from None
        except ReportError as error:
            raise CommandError(
                "Подпись не принята: " + " ".join(error.messages), returncode=REFUSED
            ) from None
        kep = report.kep
        self.stdout.write(f"Отчёт {report.pk} ({report}) подписан КЭП.")
        self.stdout.write(
            f"Подписал: {kep.owner_name}" + (f", {kep.title}" if kep.title else "") + f"; подпись сделана: "
            f"{_moment(kep.signed_at)}."
        )
        self.stdout.write(
            f"Сертификат № {kep.serial}, выдан «{kep.issuer}», действует с {timezone.localtime(kep.not_before):%d.%m.%Y} "
            f"по {timezone.localtime(kep.not_after):%d.%m.%Y}; {kep.algorithm}."
        )
        self.stdout.write(f"Проверка: {services_kep.verification_url(kep)}")
        if report.files.filter(format=ReportFormat.PRINT_PDF).exists():
            self.stdout.write("Копия для печати с отметкой об электронной подписи сформирована.")
        else:
            self.stderr.write("Копия для печати не сформирована (см. журнал); подписанный PDF не изменён.")
