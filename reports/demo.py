"""The demo's reports: a signing certificate, and a signed справка of the demo municipality."""

from pathlib import Path

from django.conf import settings

from core.demo import DemoContext, demo_step_register

from . import signing
from .models import Report, ReportKind, ReportStatus

DEMO_RECOMMENDATIONS = (
    "Руководителям школ перечня: до 1 декабря скорректировать антирисковые программы по итогам "
    "осенней диагностики и согласовать их с наставниками.\n\n"
    "Муниципальному методическому центру: обеспечить тьюторское сопровождение всех педагогов "
    "школ перечня, прошедших диагностику, и провести методический десант в школы без наставника."
)


def ensure_demo_certificate(context: DemoContext | None = None) -> Path | None:
    """Make the demo certificate where the settings expect it (only under the demo's certificate folder)."""
    path = Path(settings.REPORTS_SIGNING_PKCS12) if settings.REPORTS_SIGNING_PKCS12 else None
    demo_dir = Path(settings.REPORTS_DEMO_CERT_DIR)
    if path is None or path.parent != demo_dir:
        return None  # a department's own certificate: never touched
    if not path.exists():
        demo_dir.mkdir(parents=True, exist_ok=True)
        signing.make_demo_certificate(path, settings.REPORTS_SIGNING_PASSWORD)
        if context is not None:
            context.summary.changed("создано демонстрационных сертификатов подписи")
    return path


def demo_reports(context: DemoContext) -> None:
    from schools.models import ApprovedList

    from .services import report_build, report_request, report_sign

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
