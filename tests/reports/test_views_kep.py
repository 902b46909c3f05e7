"""Pages of the head's КЭП that are not the sign page: the .sig and bundle downloads, the superuser's trusted roots
page and the Django admin of the roots. The access of every role is in tests/core/test_access_matrix.py."""

import io
import zipfile
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports import cades, services_kep
from reports.models import TrustedRoot
from tests.reports import gost_pki as pki_lib
from tests.reports.kep_world import make_head, pdf_bytes, ready_report, trust

pytestmark = pytest.mark.django_db
NAME = "Справка_Обливский-район_2026_v1.pdf"


@pytest.fixture
def signed(world, media, gost_pki, tmp_path):
    trust(gost_pki)
    head, report = make_head(world), ready_report(world)
    signature = pki_lib.sign_detached(gost_pki.head, pdf_bytes(), tmp_path=tmp_path, form="pem")
    return services_kep.report_attach_signature(user=head, report=report, signature=signature), signature


def test_the_signature_and_the_bundle_download(client, world, signed):
    report, signature = signed
    der = cades.load_signature(signature)
    client.force_login(world.users["analyst"])  # whoever reads the report
    sig = client.get(reverse("reports:download_sig", args=[report.pk]))
    assert (sig.status_code, sig["Content-Type"], b"".join(sig.streaming_content)) == (
        200,
        "application/pkcs7-signature",
        der,
    )
    assert unquote(sig["Content-Disposition"]) == f"attachment; filename*=utf-8''{NAME}.sig"
    bundle = client.get(reverse("reports:download_bundle", args=[report.pk]))
    assert (bundle.status_code, bundle["Content-Type"]) == (200, "application/zip")
    assert unquote(bundle["Content-Disposition"]) == (
        "attachment; filename*=utf-8''Справка_Обливский-район_2026_v1_КЭП.zip"
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(bundle.streaming_content)))
    assert {name: archive.read(name) for name in archive.namelist()} == {
        NAME: pdf_bytes(),
        f"{NAME}.sig": der,
    }


def test_an_unsigned_report_has_nothing_to_download(client, world, media):
    report = ready_report(world)
    client.force_login(world.users["head"])
    assert client.get(reverse("reports:download_sig", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:download_bundle", args=[report.pk])).status_code == 404


def test_a_superuser_uploads_lists_and_removes_a_root(client, world, gost_pki):
    client.force_login(world.users["superuser"])
    url = reverse("reports:roots")
    response = client.post(url, {"certificate": SimpleUploadedFile("guc.cer", gost_pki.root.cert_der)})
    assert response.status_code == 302
    root = TrustedRoot.objects.get()
    assert (root.name, root.is_gost, root.added_by) == (
        "Тестовый головной УЦ",
        True,
        world.users["superuser"],
    )
    page = client.get(url).content.decode()
    assert "Тестовый головной УЦ" in page
    assert root.serial in page
    assert "ГОСТ Р 34.10-2012 — для КЭП" in page
    again = client.post(url, {"certificate": SimpleUploadedFile("guc.pem", gost_pki.root.cert_pem)})
    assert again.status_code == 200
    assert again.context["form"].errors == {
        "certificate": ["Этот сертификат уже в списке доверенных: «Тестовый головной УЦ»."]
    }
    person = client.post(url, {"certificate": SimpleUploadedFile("head.cer", gost_pki.head.cert_der)})
    assert (
        person.context["form"]
        .errors["certificate"][0]
        .startswith("«Кузнецова Наталья Андреевна» — не сертификат")
    )
    removed = client.post(reverse("reports:root_remove", args=[root.pk]))
    assert removed.status_code == 302
    assert not TrustedRoot.objects.exists()


def test_only_a_superuser_removes_a_root(client, world, gost_pki):
    trust(gost_pki)
    client.force_login(world.users["head"])
    response = client.post(reverse("reports:root_remove", args=[TrustedRoot.objects.get().pk]))
    assert response.status_code == 403
    assert TrustedRoot.objects.count() == 1


def test_the_admin_adds_a_root_through_the_service(admin_client, gost_pki):
    response = admin_client.post(
        "/admin/reports/trustedroot/add/", {"upload": SimpleUploadedFile("ca.cer", gost_pki.ca.cert_der)}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(TrustedRoot.objects.values_list("name", flat=True)) == [
        "Тестовый УЦ Федерального казначейства"
    ]
    refused = admin_client.post(
        "/admin/reports/trustedroot/add/", {"upload": SimpleUploadedFile("ca.cer", gost_pki.ca.cert_der)}
    )
    assert refused.context["adminform"].form.errors == {
        "upload": ["Этот сертификат уже в списке доверенных: «Тестовый УЦ Федерального казначейства»."]
    }
