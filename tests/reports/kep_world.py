"""A report ready for the head's КЭП, without a build: the tests of the КЭП's services, pages, API and commands
need the PDF's bytes and a READY status, not the справка's contents (tests/reports/test_services.py builds)."""

import hashlib
from functools import cache

from django.core.files.base import ContentFile

from reports import services
from reports.models import Report, ReportFile, ReportFormat, ReportStatus, TrustedRoot
from tests.reports import gost_pki


@cache
def pdf_bytes() -> bytes:
    """A one-page PDF (WeasyPrint, as the reports are made), once per process."""
    from weasyprint import HTML

    return HTML(string="<h1>Аналитическая справка</h1><p>Текст справки.</p>").write_pdf()


def make_head(world, *, snils: str = gost_pki.HEAD_SNILS):
    """The world's head, named as the test PKI's head certificate names its owner."""
    head = world.users["head"]
    head.last_name, (head.first_name, head.middle_name) = gost_pki.HEAD_NAME[0], gost_pki.HEAD_NAME[1].split()
    head.snils = snils
    head.save(update_fields=["last_name", "first_name", "middle_name", "snils"])
    return head


def ready_report(world, *, pdf: bytes | None = None) -> Report:
    """A READY справка of municipality A with its PDF stored (its build never runs: on_commit does not fire)."""
    report = services.report_request(
        user=world.users["methodist"], kind="territory", year=2026, municipality_id=world.mun_a.pk
    )
    data = pdf_bytes() if pdf is None else pdf
    stored = ReportFile(
        report=report, format=ReportFormat.PDF, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    stored.file.save(f"reports/{report.pk}/spravka-2026-v1-a1-pdf.pdf", ContentFile(data), save=False)
    stored.save()
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.READY, progress=100)
    report.refresh_from_db()
    return report


def trust(pki: gost_pki.Pki, *identities: gost_pki.Identity) -> None:
    """Trust the PKI's root (and any other roots given), as a superuser would upload them."""
    for identity in identities or (pki.root,):
        TrustedRoot.objects.get_or_create(
            sha256=hashlib.sha256(identity.cert_der).hexdigest(),
            defaults={
                "certificate": identity.cert_der,
                "name": identity.info.subject_name,
                "serial": identity.info.serial,
                "not_before": identity.info.not_before,
                "not_after": identity.info.not_after,
                "is_gost": True,
            },
        )
