"""One signer (issue #17, item 9): the PDF's stamp, the report's page, the verification page and the API all
name the holder of the certificate that signed, even when the approving user's profile reads otherwise; and the
demo's certificate is issued to the demo's head."""

import io

import docx
import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demo import reports as reports_demo
from demo.base import DemoContext, DemoSummary
from reports import services, signing
from reports.models import ReportFormat
from tests.api.test_reports_api import auth, key
from tests.builders.roadmaps import build_programme
from tests.conftest import CERT_PASSWORD
from tests.reports.test_services import built
from tests.reports.test_signing import read_stamp, signature_widget

pytestmark = [pytest.mark.django_db, pytest.mark.today]

HOLDER = signing.CertificateHolder(
    name="Курочкина Наталья Александровна",
    position="Заведующий отделом образования",
    organization="Отдел образования Администрации Обливского района",
)


SIGNATURE_LINE = "Заведующий отделом образования Н. А. Курочкина"  # «Должность И. О. Фамилия»


@pytest.fixture(scope="module")
def holder_certificate(tmp_path_factory):
    path = tmp_path_factory.mktemp("holder") / "signer.p12"
    signing.make_demo_certificate(
        path, CERT_PASSWORD, common_name=HOLDER.name, title=HOLDER.position, organization=HOLDER.organization
    )
    return path


@pytest.fixture
def signed_report(world, media, settings, holder_certificate, tmp_path, django_capture_on_commit_callbacks):
    settings.REPORTS_SIGNING_PKCS12 = str(holder_certificate)
    settings.REPORTS_SIGNING_PASSWORD = CERT_PASSWORD
    settings.REPORTS_TRUST_ROOTS = [str(holder_certificate.with_suffix(".ca.pem"))]
    settings.REPORTS_FONT_CACHE = tmp_path / "fonts"
    build_programme(world)
    head = world.users["head"]
    # The approving user's profile names someone else: what the portal shows must still be the certificate's.
    head.last_name, head.first_name, head.middle_name = "Иванова", "Мария", "Петровна"
    head.position = "Начальник управления"
    head.save()
    report = built(world, django_capture_on_commit_callbacks)
    services.report_sign(user=head, report=report)
    report.refresh_from_db()
    return report


def test_certificate_holder_reads_the_subject(holder_certificate):
    assert signing.certificate_holder(holder_certificate.read_bytes(), CERT_PASSWORD) == HOLDER
    with pytest.raises(signing.SigningNotConfigured, match="пароль"):
        signing.certificate_holder(holder_certificate.read_bytes(), "неверный")


def test_stamp_page_verification_and_api_name_the_same_signer(client, world, signed_report):
    report = signed_report
    assert (report.signer_name, report.signer_position, report.signer_organization) == (
        HOLDER.name,
        HOLDER.position,
        HOLDER.organization,
    )
    data = report.files.get(format=ReportFormat.SIGNED_PDF).file.read()

    reader = pypdf.PdfReader(io.BytesIO(data))
    # The body's signature requisite, printed when the report was built, names the certificate's holder too,
    # not the territory's head (whose profile reads «Иванова Мария Петровна»).
    body = "\n".join(page.extract_text() for page in reader.pages)
    assert SIGNATURE_LINE in " ".join(body.split())
    assert "Иванова" not in body and "Начальник управления" not in body
    word = docx.Document(report.files.get(format=ReportFormat.DOCX).file)
    assert [p.text for p in word.paragraphs if "Курочкина" in p.text] == [
        f"{HOLDER.position}\tН. А. Курочкина"
    ]

    stamp = read_stamp(signature_widget(reader, -1)["/AP"]["/N"].get_object(), reader)
    assert stamp.lines[:3] == ["Печать портала: файл не изменён", f"Утвердил: {HOLDER.name}", HOLDER.position]

    verdict = signing.verify_pdf(data, trust_roots=signing.trust_roots_from_settings())
    assert verdict.ok and (verdict.signer, verdict.position, verdict.organization) == (
        HOLDER.name,
        HOLDER.position,
        HOLDER.organization,
    )

    page = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("справка.pdf", data)})
    text = page.content.decode()
    assert f"<dt>Сертификат печати выдан на</dt><dd>{HOLDER.name}</dd>" in text
    assert f"<dt>Должность в сертификате</dt><dd>{HOLDER.position}</dd>" in text
    assert f"<dt>Организация</dt><dd>{HOLDER.organization}</dd>" in text
    assert "Иванова" not in text

    api = client.post("/api/v1/reports/verify/", {"file": SimpleUploadedFile("справка.pdf", data)}).json()
    assert api["signer"] == {
        "name": HOLDER.name,
        "snils": "",
        "inn": "",
        "title": HOLDER.position,
        "organization": HOLDER.organization,
    }
    assert (api["position"], api["organization"]) == (HOLDER.position, HOLDER.organization)
    card = client.get(f"/api/v1/reports/{report.pk}/", **auth(key(world, world.mun_a))).json()
    assert card["signed_by_name"] == HOLDER.name

    client.force_login(world.users["head"])
    detail = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    # the seal is the portal's (#22 §1), its certificate's holder is who approved (#17 item 9)
    assert f"Утверждён: <strong>{HOLDER.name}</strong>, {HOLDER.position}, " in detail
    assert '<h2 id="signature-title">Печать портала: файл не изменён</h2>' in detail
    assert "утвердил в портале: Иванова Мария Петровна" in detail
    assert "Иванова Мария Петровна</strong>" not in detail


def test_the_demo_certificate_is_issued_to_the_demo_head(world, settings, tmp_path):
    settings.REPORTS_DEMO_CERT_DIR = tmp_path / "signing"
    settings.REPORTS_SIGNING_PKCS12 = str(tmp_path / "signing" / "demo-signer.p12")
    settings.REPORTS_SIGNING_PASSWORD = "demo-signing-password"
    head = world.users["head"]
    head.last_name, head.first_name, head.middle_name = "Курочкина", "Наталья", "Александровна"
    head.position = HOLDER.position
    head.save()
    world.mun_a.department_name = HOLDER.organization
    world.mun_a.save()
    context = DemoContext(summary=DemoSummary(), users={"head": head})
    path = reports_demo.ensure_demo_certificate(context)
    assert signing.certificate_holder(path.read_bytes(), "demo-signing-password") == HOLDER

    # A certificate left by an older demo for somebody else is made again for the head.
    signing.make_demo_certificate(path, "demo-signing-password")  # «Иванова Мария Петровна»
    reports_demo.ensure_demo_certificate(context)
    assert signing.certificate_holder(path.read_bytes(), "demo-signing-password") == HOLDER


def test_the_signature_line_is_the_certificate_holders_only_a_head_without_a_certificate(
    world, settings, holder_certificate, caplog
):
    """One source of the printed requisite: the certificate that will sign; the territory's head only when no
    certificate is configured (the справка is then signed outside the portal)."""
    head = world.users["head"]
    head.last_name, head.first_name, head.middle_name = "Иванова", "Мария", "Петровна"
    head.position = "Начальник управления"
    head.save()
    report = services.report_request(
        user=world.users["methodist"], kind="territory", year=2026, municipality_id=world.mun_a.pk
    )
    settings.REPORTS_SIGNING_PKCS12 = str(holder_certificate)
    settings.REPORTS_SIGNING_PASSWORD = CERT_PASSWORD
    assert services._signer_line(report) == SIGNATURE_LINE

    settings.REPORTS_SIGNING_PKCS12 = ""
    assert services._signer_line(report) == "Начальник управления М. П. Иванова"

    # Configured but unreadable: no line rather than the head's, so the signed file cannot name two people.
    settings.REPORTS_SIGNING_PKCS12 = str(holder_certificate)
    settings.REPORTS_SIGNING_PASSWORD = "неверный"
    assert services._signer_line(report) == ""
    assert "строка подписи не напечатана: Не удалось открыть сертификат подписи" in caplog.text
