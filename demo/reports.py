"""The demo's reports: a signing certificate, and a signed справка of the demo municipality."""

from pathlib import Path

from django.conf import settings

from core.models import RoleAssignment
from reports import signing
from reports.models import Report, ReportKind, ReportStatus
from reports.services import report_build, report_request, report_sign
from schools.models import ApprovedList

from .base import DemoContext, demo_step_register

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


def demo_reports(context: DemoContext) -> None:
    ensure_demo_certificate(context)
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
    if existing.status == ReportStatus.READY and settings.REPORTS_SIGNING_PKCS12:
        report_sign(user=head, report=existing)
        context.summary.changed("подписано отчётов")
    context.summary.counts["Отчёты"] = Report.objects.filter(region=context.region).count()


demo_step_register("Отчёты", demo_reports, order=50)
