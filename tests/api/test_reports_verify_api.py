"""POST /api/v1/reports/verify/ with a detached КЭП (#22 §2): the document in ``file``, its signature in
``signature``; the answer carries the verdict's ``as_json`` shape (as ``manage.py verify_signature --json``), the
lay summary and what the portal knows of the file. The seal alone is tested in test_reports_api.py."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reports import cades, services, services_kep
from tests.api.throttle import fresh_throttle_counters  # noqa: F401 — autouse: throttle counters at zero
from tests.reports import gost_pki as pki_module
from tests.reports import kep_world
from tests.reports.conftest import gost_pki  # noqa: F401 — the session's test PKI, shared with tests/reports

pytestmark = pytest.mark.django_db

VERIFY_URL = "/api/v1/reports/verify/"
CONTRACT_KEYS = ("signature_valid", "intact", "trusted", "algorithm", "signer", "certificate", "signed_at")


@pytest.fixture
def kep(world, gost_pki, media, signing_settings):  # noqa: F811 — the fixture imported above
    kep_world.trust(gost_pki)
    return kep_world.ready_report(world), kep_world.pdf_bytes(), gost_pki


def verify(client, pdf: bytes, signature: bytes | None = None):
    data = {"file": SimpleUploadedFile("справка.pdf", pdf)}
    if signature is not None:
        data["signature"] = SimpleUploadedFile("справка.pdf.sig", signature)
    return client.post(VERIFY_URL, data)


def sign(identity, pdf: bytes, tmp_path: Path, form: str = "der") -> bytes:
    return pki_module.sign_detached(identity, pdf, tmp_path=tmp_path / form, form=form)


def iso(moment) -> str:
    """As the API writes a time: in the portal's time zone (TIME_ZONE, Moscow), with its offset."""
    return timezone.localtime(moment).isoformat()


@pytest.mark.parametrize("form", ["der", "base64", "pem"])
def test_a_valid_kep_answers_in_the_contract_shape(client, kep, tmp_path, form):
    _report, pdf, pki = kep
    signature = sign(pki.head, pdf, tmp_path, form)
    response = verify(client, pdf, signature)
    assert response.status_code == 200, response.content
    body = response.json()
    verdict = cades.verify_detached(pdf, signature, trust_roots=services.trust_roots())
    expected = verdict.as_json()
    info = pki.head.info
    assert {key: body[key] for key in CONTRACT_KEYS} == {
        "signature_valid": True,
        "intact": True,
        "trusted": True,
        "algorithm": "ГОСТ Р 34.10-2012, 256 бит",
        # the caller sent the certificate itself: СНИЛС and ИНН whole, as the command prints them
        "signer": pki_module.HEAD_SIGNER_JSON,
        "certificate": pki_module.certificate_json(info, issuer=pki.ca.info.subject_name, iso=iso),
        "signed_at": iso(verdict.signed_at),
    }
    assert body["signer"] == expected["signer"]
    assert body["summary"] == expected["summary"]
    assert body["summary"].startswith("Документ подписан: Кузнецова Н. А., заведующий отделом образования, ")
    assert (body["kind"], body["ok"], body["known"], body["report"]) == ("kep", True, False, None)
    assert body["reasons"] == []
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert body["notes"][0] == "Отзыв сертификата не проверялся: проверка выполняется без обращения к сети."
    # the fields the answer had before the КЭП keep their meaning
    assert (body["signed"], body["valid"], body["covers_whole_file"]) == (True, True, True)
    assert (body["organization"], body["position"]) == (
        "Отдел образования администрации Тестового района",
        "Заведующий отделом образования",
    )
    assert "СНИЛС: 11223344595" in body["details"]


def test_a_changed_byte_a_stranger_and_garbage(client, kep, tmp_path):
    _report, pdf, pki = kep
    changed = bytearray(pdf)
    changed[len(pdf) // 2] ^= 0x01
    body = verify(client, bytes(changed), sign(pki.head, pdf, tmp_path)).json()
    assert (body["ok"], body["intact"], body["summary"]) == (
        False,
        False,
        "Документ изменён после подписания.",
    )
    body = verify(client, pdf, sign(pki.stranger, pdf, tmp_path / "stranger")).json()
    assert (body["ok"], body["signature_valid"], body["intact"], body["trusted"]) == (
        False,
        True,
        True,
        False,
    )
    assert body["summary"] == "Подпись верна, но сертификат выдан не доверенным удостоверяющим центром."
    response = verify(client, pdf, b"garbage, not a signature")
    assert response.status_code == 400
    with pytest.raises(cades.SignatureUnreadable) as error:
        cades.load_signature(b"garbage, not a signature")
    assert response.json() == {
        "code": "invalid",
        "message": response.json()["message"],
        "details": {"signature": [str(error.value)]},
    }
    too_big = verify(client, pdf, b"0" * (1024 * 1024 + 1))
    assert too_big.status_code == 400
    assert too_big.json()["details"]["signature"] == [
        "Файл подписи больше 1 МБ: отдельная подпись (.sig) занимает несколько килобайт. Возможно, выбран не тот файл."
    ]


def test_a_report_of_the_portal_is_named_with_its_verification_page(client, world, kep, tmp_path):
    report, pdf, pki = kep
    signature = sign(pki.head, pdf, tmp_path)
    services_kep.report_attach_signature(user=kep_world.make_head(world), report=report, signature=signature)
    report.refresh_from_db()
    body = verify(client, pdf, signature).json()
    assert body["known"] is True
    assert body["report"] == {
        "title": "Аналитическая справка по работе со ШНОР",
        "territory": "Обливский район",
        "year": 2026,
        "version": 1,
        "signer": "Кузнецова Наталья Андреевна",
        "verification_url": f"http://testserver/reports/verify/{report.kep.public_id}/",
    }


def test_the_schema_documents_the_signature_and_the_verdict(client, world):
    client.force_login(world.users["methodist"])
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/reports/verify/"]["post"]
    request = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    components = schema["components"]["schemas"]
    assert set(components[request]["properties"]) == {"file", "signature"}
    assert components[request]["required"] == ["file"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = components[answer]["properties"]
    assert set(CONTRACT_KEYS) | {"summary", "reasons", "notes", "known", "report", "kind", "sha256"} <= set(
        properties
    )
    signer = components["VerifiedSigner"]["properties"]
    assert set(signer) == {"name", "snils", "inn", "title", "organization"}
    assert set(components["VerifiedCertificate"]["properties"]) == {
        "serial",
        "issuer",
        "not_before",
        "not_after",
    }


def test_the_pdf_alone_of_a_kep_signed_report_masks_the_snils_and_the_inn(client, world, kep, tmp_path):
    # The portal checks the PDF with the .sig it stores; the caller never held that certificate, so the answer
    # shows what the open verification page shows (152-ФЗ): the last two digits. With the .sig sent: whole.
    report, pdf, pki = kep
    signature = sign(pki.head, pdf, tmp_path)
    services_kep.report_attach_signature(user=kep_world.make_head(world), report=report, signature=signature)
    alone = verify(client, pdf)
    assert alone.status_code == 200, alone.content
    body = alone.json()
    assert (body["kind"], body["ok"], body["known"]) == ("kep", True, True)
    assert body["signer"] == {
        **pki_module.HEAD_SIGNER_JSON,
        "snils": "***-***-*** 95",
        "inn": "**********97",
    }
    assert "СНИЛС: ***-***-*** 95" in body["details"]
    assert [row for row in body["details"] if "11223344595" in row or "771234567897" in row] == []
    with_sig = verify(client, pdf, signature).json()
    assert with_sig["signer"] == pki_module.HEAD_SIGNER_JSON
    assert "СНИЛС: 11223344595" in with_sig["details"]
