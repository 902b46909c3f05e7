"""Which PDF the head's КЭП is checked against (review of #22): one PDF per report, chosen deterministically, and
its SHA-256 compared with the stored one before the signature is checked."""

import pytest
from django.db import IntegrityError, transaction

from reports import services_kep
from reports.models import ReportFile, ReportFormat, ReportSignature, ReportStatus
from tests.reports import gost_pki as pki_lib
from tests.reports.kep_world import make_head, pdf_bytes, ready_report, trust

pytestmark = pytest.mark.django_db


def test_a_report_has_one_pdf_and_the_signature_is_checked_against_it(world, media, gost_pki, tmp_path):
    trust(gost_pki)
    head, report = make_head(world), ready_report(world)
    pdf = report.files.get(format=ReportFormat.PDF)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFile.objects.create(
            report=report, format=ReportFormat.PDF, file=pdf.file.name, size=1, sha256="0" * 64
        )
    assert list(report.files.filter(format=ReportFormat.PDF).values_list("pk", flat=True)) == [pdf.pk]
    signature = pki_lib.sign_detached(gost_pki.head, pdf_bytes(), tmp_path=tmp_path)
    services_kep.report_attach_signature(user=head, report=report, signature=signature)
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED
    assert ReportSignature.objects.get(report=report).pdf_sha256 == pdf.sha256
