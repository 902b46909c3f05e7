"""API of the head's КЭП: the upload of a detached signature (a file or base64 text) through the same service as the
page, the card's signature_kind and kep object, and the downloads of the .sig and of the PDF + .sig bundle."""

import base64
import hashlib
import io
import zipfile
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.dateparse import parse_datetime

from api.models import ClientKey
from reports import cades, services
from reports.models import ReportStatus
from tests.api.throttle import fresh_throttle_counters  # noqa: F401 — autouse: throttle counters at zero
from tests.reports import conftest as reports_conftest
from tests.reports import gost_pki as pki_lib
from tests.reports.kep_world import make_head, pdf_bytes, ready_report, trust

pytestmark = pytest.mark.django_db
gost_pki = reports_conftest.gost_pki  # the session's GOST test PKI (a fixture of tests/reports)


@pytest.fixture
def kep(world, media, gost_pki, tmp_path):
    trust(gost_pki)
    head, report = make_head(world), ready_report(world)
    signature = pki_lib.sign_detached(gost_pki.head, pdf_bytes(), tmp_path=tmp_path)
    return head, report, signature


def url(report, tail: str) -> str:
    return f"/api/v1/reports/{report.pk}/{tail}"


def post_file(client, report, data: bytes):
    return client.post(url(report, "signature/"), {"signature": SimpleUploadedFile("spravka.pdf.sig", data)})


def test_the_head_signs_through_the_api_and_the_card_says_kep(client, kep, gost_pki):
    head, report, signature = kep
    client.force_login(head)
    response = post_file(client, report, signature)
    assert response.status_code == 200, response.content
    body = response.json()
    info = gost_pki.head.info
    kep_row = report.__class__.objects.get(pk=report.pk).kep
    assert [f["format"] for f in body["files"]] == ["pdf", "print_pdf"]
    assert (body["status"], body["signature_kind"], body["signature_kind_label"]) == (
        "signed",
        "kep",
        "подписан КЭП",
    )
    assert body["signed_by_name"] == "Кузнецова Наталья Андреевна"
    assert body["kep"] == {
        "owner": "Кузнецова Наталья Андреевна",
        "snils": "11223344595",  # the head works with names (SIGNER_SNILS)
        "title": pki_lib.HEAD_TITLE,
        "organization": pki_lib.HEAD_ORGANIZATION,
        "serial": info.serial,
        "issuer": "Тестовый УЦ Федерального казначейства",
        "not_before": body["kep"]["not_before"],
        "not_after": body["kep"]["not_after"],
        "algorithm": "ГОСТ Р 34.10-2012, 256 бит",
        "signed_at": body["kep"]["signed_at"],
        "verified_at": body["kep"]["verified_at"],
        "pdf_sha256": hashlib.sha256(pdf_bytes()).hexdigest(),
        "verification_url": f"http://127.0.0.1:8000/reports/verify/{kep_row.public_id}/",
        "signature_url": f"http://testserver/api/v1/reports/{report.pk}/download/sig/",
        "bundle_url": f"http://testserver/api/v1/reports/{report.pk}/download/bundle/",
    }
    assert parse_datetime(body["kep"]["not_before"]) == info.not_before
    assert parse_datetime(body["kep"]["not_after"]) == info.not_after
    assert parse_datetime(body["kep"]["signed_at"]) == kep_row.signed_at
    assert parse_datetime(body["kep"]["verified_at"]) == kep_row.verified_at


def test_base64_text_is_accepted(client, kep):
    head, report, signature = kep
    client.force_login(head)
    response = client.post(
        url(report, "signature/"),
        {"signature_base64": base64.b64encode(signature).decode()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["signature_kind"] == "kep"


def test_a_refused_signature_is_400_with_its_reason(client, kep, gost_pki, tmp_path):
    head, report, _signature = kep
    client.force_login(head)
    other = pki_lib.sign_detached(gost_pki.head, pdf_bytes() + b" ", tmp_path=tmp_path)
    response = post_file(client, report, other)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["details"] == {"signature": [cades.PROBLEM_REASONS["other_file"]]}
    report.refresh_from_db()
    assert report.status == ReportStatus.READY


def test_one_way_of_sending_the_signature(client, kep):
    head, report, signature = kep
    client.force_login(head)
    response = client.post(url(report, "signature/"), {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["details"] == {
        "signature": ["Передайте подпись одним способом: файлом signature или текстом signature_base64."]
    }


def test_a_methodologist_may_not_sign(client, kep, world):
    _head, report, signature = kep
    client.force_login(world.users["methodist"])
    response = post_file(client, report, signature)
    assert response.status_code == 403
    assert (
        response.json()["message"]
        == "Утверждать и подписывать отчёты может руководитель управления образования."
    )


def test_a_key_may_not_sign(client, kep, world):
    _head, report, signature = kep
    _obj, raw = ClientKey.objects.create_key(name="РИС", region=world.region)
    response = client.post(
        url(report, "signature/"),
        {"signature": SimpleUploadedFile("s.sig", signature)},
        HTTP_AUTHORIZATION=f"Api-Key {raw}",
    )
    assert response.status_code == 403
    assert response.json()["message"].startswith("Ключ API не может подписывать отчёты")


def test_downloads_and_who_sees_the_snils(client, kep, world):
    head, report, signature = kep
    client.force_login(head)
    assert post_file(client, report, signature).status_code == 200
    der = cades.load_signature(signature)

    sig = client.get(url(report, "download/sig/"))
    assert sig.status_code == 200
    assert sig["Content-Type"] == "application/pkcs7-signature"
    assert b"".join(sig.streaming_content) == der
    name = "Справка_Обливский-район_2026_v1.pdf"
    assert unquote(sig["Content-Disposition"]) == f"attachment; filename*=utf-8''{name}.sig"

    bundle = client.get(url(report, "download/bundle/"))
    assert bundle.status_code == 200
    assert bundle["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(bundle.streaming_content)))
    assert archive.namelist() == [name, f"{name}.sig"]
    assert archive.read(name) == pdf_bytes()
    assert archive.read(f"{name}.sig") == der

    client.force_login(world.users["analyst"])  # reads the report, works with aggregates: no СНИЛС
    card = client.get(url(report, ""))
    assert card.status_code == 200
    assert (card.json()["kep"]["owner"], card.json()["kep"]["snils"]) == ("Кузнецова Наталья Андреевна", None)


def test_an_unsigned_report_has_no_signature_to_download(client, kep):
    head, report, _signature = kep
    client.force_login(head)
    for tail in ("download/sig/", "download/bundle/"):
        response = client.get(url(report, tail))
        assert response.status_code == 404
        assert response.json()["message"] == "Отчёт не подписан КЭП: подписи для скачивания нет."
    card = client.get(url(report, "")).json()
    assert (card["signature_kind"], card["signature_kind_label"], card["kep"]) == (None, "", None)


def test_a_report_of_another_municipality_is_404(client, kep, world):
    head, _report, signature = kep
    other = services.report_request(
        user=world.users["regional_methodist"], kind="territory", year=2026, municipality_id=world.mun_b.pk
    )
    client.force_login(head)
    response = post_file(client, other, signature)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
