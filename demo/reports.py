"""The demo's reports: the seal's certificate, the head's test КЭП, and a справка of the demo municipality ready
for the head's signature."""

from pathlib import Path

from django.conf import settings

from core.models import RoleAssignment
from core.policies import SYSTEM
from reports import cades, signing
from reports.models import Report, ReportKind, TrustedRoot
from reports.services import report_build, report_request
from reports.services_kep import trusted_root_add
from schools.models import ApprovedList

from . import kep
from .base import DemoContext, demo_step_register

# The demo head's СНИЛС: a valid check number (123-456-789: weighted sum 165, 165 mod 101 = 64), nobody's.
DEMO_HEAD_SNILS = "12345678964"

DEMO_RECOMMENDATIONS = (
    "Руководителям школ перечня: до 1 декабря скорректировать антирисковые программы по итогам "
    "осенней диагностики и согласовать их с наставниками.\n\n"
    "Муниципальному методическому центру: обеспечить тьюторское сопровождение всех педагогов "
    "школ перечня, прошедших диагностику, и провести методический десант в школы без наставника."
)


def ensure_demo_certificate(context: DemoContext | None = None) -> Path | None:
    """Make the demo certificate where the settings expect it (only under the demo's certificate folder),
    issued to the demo's head: the stamp, the verification page and the API then name the person who signs
    in the demo. A certificate made for someone else (an older checkout) is made again."""
    path = Path(settings.REPORTS_SIGNING_PKCS12) if settings.REPORTS_SIGNING_PKCS12 else None
    demo_dir = Path(settings.REPORTS_DEMO_CERT_DIR)
    if path is None or path.parent != demo_dir:
        return None  # a department's own certificate: never touched
    holder = _demo_holder(context)
    if path.exists() and (holder is None or _holder_of(path) == holder):
        return path
    demo_dir.mkdir(parents=True, exist_ok=True)
    if holder is None:
        signing.make_demo_certificate(path, settings.REPORTS_SIGNING_PASSWORD)
    else:
        signing.make_demo_certificate(
            path,
            settings.REPORTS_SIGNING_PASSWORD,
            common_name=holder.name,
            title=holder.position,
            organization=holder.organization,
        )
    if context is not None:
        context.summary.changed("создано демонстрационных сертификатов подписи")
    return path


def _demo_holder(context: DemoContext | None) -> signing.CertificateHolder | None:
    """The demo's head as a certificate names its holder: full name, position, the department."""
    head = context.users.get("head") if context is not None else None
    if head is None or not head.full_name:
        return None
    assignment = RoleAssignment.objects.filter(user=head).select_related("municipality").first()
    municipality = assignment.municipality if assignment is not None else None
    department = (municipality.department_name if municipality else "") or settings.REPORTS_DEFAULT_DEPARTMENT
    return signing.CertificateHolder(
        name=head.full_name,
        position=head.position or "Руководитель органа управления образованием",
        organization=department,
    )


def _holder_of(path: Path) -> signing.CertificateHolder | None:
    try:
        return signing.certificate_holder(path.read_bytes(), settings.REPORTS_SIGNING_PASSWORD)
    except (OSError, signing.SigningNotConfigured):
        return None


def ensure_demo_kep(context: DemoContext) -> Path | None:
    """The demo head's test КЭП (demo/kep.py): a СНИЛС in the head's profile, a GOST demo CA trusted by the portal,
    the head's certificate and key written beside the demo's seal certificate (REPORTS_DEMO_CERT_DIR). Made again
    when the certificate names someone else; the demo CA of an older run is no longer trusted then."""
    head_user = context.users.get("head")
    holder = _demo_holder(context)
    if head_user is None or holder is None:
        return None
    if not head_user.snils:
        head_user.snils = DEMO_HEAD_SNILS
        head_user.save(update_fields=["snils"])
    directory = Path(settings.REPORTS_DEMO_CERT_DIR)
    surname, _, given = head_user.full_name.partition(" ")
    wanted = kep.DemoHead(
        surname=surname,
        given_names=given,
        title=holder.position,
        organization=holder.organization,
        snils=head_user.snils,
    )
    try:
        pki = kep.read_pki(directory)
        current = cades.parse_certificate(pki.head_der)
        fresh = (current.subject_name, current.snils, current.title, current.organization) != (
            wanted.full_name,
            wanted.snils,
            wanted.title,
            wanted.organization,
        )
    except (OSError, ValueError):
        pki, fresh = None, True
    if fresh or pki is None:
        pki = kep.make_pki(wanted)
        kep.write_pki(directory, pki)
        context.summary.changed("создано демонстрационных КЭП")
    ca_sha = cades.parse_certificate(pki.ca_der).sha256
    TrustedRoot.objects.filter(name=kep.CA_NAME).exclude(sha256=ca_sha).delete()
    if not TrustedRoot.objects.filter(sha256=ca_sha).exists():
        trusted_root_add(user=SYSTEM, data=pki.ca_der)
    context.summary.notes.append(
        f"Подпись справки руководителем (КЭП) без токена: войдите как head, скачайте PDF справки на странице "
        f"подписи и подпишите его тестовым ключом демо-руководителя — python manage.py demo_sign_kep ФАЙЛ.pdf "
        f"(ключ и сертификат: {directory / kep.HEAD_KEY_FILE}, {directory / kep.HEAD_CERT_FILE}); затем загрузите "
        f"получившийся ФАЙЛ.pdf.sig там же."
    )
    return directory / kep.HEAD_CERT_FILE


def demo_reports(context: DemoContext) -> None:
    ensure_demo_certificate(context)
    ensure_demo_kep(context)
    methodist, head = context.users.get("methodist"), context.users.get("head")
    approved = (
        ApprovedList.objects.filter(municipality__region=context.region).order_by("-list_year").first()
        if context.region
        else None
    )
    if not (methodist and head and approved):
        return
    municipality = approved.municipality
    existing = Report.objects.filter(
        kind=ReportKind.TERRITORY, municipality=municipality, year=approved.list_year
    ).first()
    if existing is None:
        context.say(f"Формирую справку по {municipality.name} за {approved.list_year} год…\n")
        report = report_request(
            user=methodist,
            kind=ReportKind.TERRITORY,
            year=approved.list_year,
            municipality_id=municipality.pk,
            recommendations=DEMO_RECOMMENDATIONS,
        )
        # The demo loads in one transaction, so the build scheduled on commit would come too late to sign:
        # build now (the scheduled task then finds the report built and does nothing).
        report_build(report.pk)
        report.refresh_from_db()
        context.summary.changed("создано отчётов")
        existing = report
    # The справка stays «готов, на утверждении»: the head signs it with the demo КЭП (or the portal's seal) on the
    # sign page — the whole point of trying the demo.
    context.summary.counts["Отчёты"] = Report.objects.filter(region=context.region).count()


demo_step_register("Отчёты", demo_reports, order=50)
