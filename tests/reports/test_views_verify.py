"""The open verification pages (#22 §2): /reports/verify/ with a PDF alone (the portal's seal) or a PDF with its
detached КЭП (.sig), and /reports/verify/<public_id>/, the page a print copy's QR code leads to.

The КЭП is made by OpenSSL's GOST engine (tests/reports/gost_pki.py), independently of the verifier.
Runs in the SQLite lane too (Makefile SQLITE_TESTS picks tests/*/test_*views*.py)."""

import hashlib
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reports import cades, services_kep, signing, verification
from reports.forms import SIGNATURE_TOO_LARGE
from reports.models import ReportFile, ReportFormat
from reports.verdict_text import REVOCATION_HINT
from tests.conftest import CERT_PASSWORD
from tests.reports import gost_pki, kep_world

pytestmark = pytest.mark.django_db

VERIFY = "/reports/verify/"
TITLE = "аналитическая справка по работе со ШНОР"
UNTRUSTED = "Подпись верна, но сертификат выдан не доверенным удостоверяющим центром."
CHANGED = "Документ изменён после подписания."
JARGON = ("sha256_rsa", "математически", "охватывает", "CMS", "CAdES", "OID")


@pytest.fixture
def kep(world, gost_pki, media, signing_settings, tmp_path):
    """The PKI's root trusted, a READY справка of municipality A and the head's detached signature of its PDF."""
    kep_world.trust(gost_pki)
    report = kep_world.ready_report(world)
    pdf = kep_world.pdf_bytes()
    return report, pdf, gost_pki.head


def sign(identity, pdf: bytes, tmp_path: Path, form: str = "der") -> bytes:
    return gost_pki.sign_detached(identity, pdf, tmp_path=tmp_path / f"sig-{form}", form=form)


def post(client, pdf: bytes, signature: bytes | None = None, url: str = VERIFY):
    data = {"file": SimpleUploadedFile("справка.pdf", pdf, content_type="application/pdf")}
    if signature is not None:
        data["signature"] = SimpleUploadedFile("справка.pdf.sig", signature)
    return client.post(url, data)


def lead(response) -> str:
    return response.context["result"].shown.lead


def rows(response) -> dict[str, str]:
    return dict(response.context["result"].shown.rows)


def today_moscow() -> str:
    return timezone.now().astimezone(signing.MOSCOW).strftime("%d.%m.%Y")


def no_jargon(text: str) -> None:
    for word in JARGON:
        assert word not in text, word


# --- PDF alone: the portal's seal ------------------------------------------------------------------------------


def test_the_page_is_open_and_asks_for_a_pdf_and_an_optional_signature(client):
    page = client.get(VERIFY)
    assert page.status_code == 200
    text = page.content.decode()
    assert '<label for="id_file">Файл PDF <span class="required" aria-hidden="true">*</span></label>' in text
    assert '<label for="id_signature">Файл подписи (.sig), если подпись отдельным файлом</label>' in text
    assert 'aria-live="polite"' in text
    assert page.context["result"] is None


def test_a_sealed_pdf_leads_with_the_portal_seal_not_a_person(client, world, media, signing_settings):
    pdf = kep_world.pdf_bytes()
    sealed = signing.sign_pdf(
        pdf, pkcs12=Path(signing_settings.REPORTS_SIGNING_PKCS12).read_bytes(), password=CERT_PASSWORD
    )
    response = post(client, sealed)
    assert response.status_code == 200
    result = response.context["result"]
    signed_at = result.seal.signed_at
    assert lead(response) == f"Печать портала: файл не изменён с {signing.format_moscow(signed_at)}."
    assert result.shown.kind == "seal" and result.shown.ok is True
    shown = rows(response)
    assert shown["Файл не изменён после печати"] == "да"
    assert shown["Печать верна"] == "да"
    assert shown["Вид подписи"] == "RSA, хэш-функция SHA-256"
    assert shown["Кем выдан сертификат"] == signing.DEMO_CA_NAME
    text = response.content.decode()
    assert "verification--ok" in text
    assert text.index(lead(response)) < text.index("Подробности") < text.index("Проверить другой документ")
    assert (
        "Среди документов, подписанных на портале, этого файла нет: это не документ портала или файл отличается "
        "от подписанного." in text
    )
    no_jargon(text)
    # The same bytes stored as a report's sealed PDF: the page says which report, and nothing more.
    report = kep_world.ready_report(world)
    ReportFile.objects.create(
        report=report,
        format=ReportFormat.SIGNED_PDF,
        file="x.pdf",
        size=len(sealed),
        sha256=hashlib.sha256(sealed).hexdigest(),
    )
    known = post(client, sealed)
    assert known.context["result"].known.sentence == (
        f"Это {TITLE}, Обливский район, 2026 год, версия 1, заверенная печатью портала."
    )
    assert known.context["result"].known.sentence in known.content.decode()


def test_a_changed_sealed_pdf_and_a_file_that_is_no_pdf(client, media, signing_settings):
    sealed = signing.sign_pdf(
        kep_world.pdf_bytes(),
        pkcs12=Path(signing_settings.REPORTS_SIGNING_PKCS12).read_bytes(),
        password=CERT_PASSWORD,
    )
    changed = bytearray(sealed)
    changed[sealed.index(b"/Type /Page") + 1] ^= 0x01
    response = post(client, bytes(changed))
    assert lead(response) == "Документ изменён после подписания."
    assert "verification--bad" in response.content.decode()
    garbage = post(client, b"MZ\x90\x00 not a pdf")
    assert lead(garbage) == "Файл не является PDF-документом."
    assert rows(garbage) == {}


# --- PDF + .sig: the head's КЭП -------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["der", "base64", "pem"])
def test_a_valid_kep_leads_with_who_signed_and_that_nothing_changed(client, kep, gost_pki, tmp_path, form):
    _report, pdf, head = kep
    response = post(client, pdf, sign(head, pdf, tmp_path, form))
    assert response.status_code == 200
    assert lead(response) == (
        f"Документ подписан: Кузнецова Н. А., заведующий отделом образования, {today_moscow()}, и с тех пор не изменён."
    )
    result = response.context["result"]
    assert result.shown.kind == "kep" and result.shown.ok is True
    info = head.info
    expected_rows = {
        "Кто подписал": "Кузнецова Наталья Андреевна",
        "Должность": "Заведующий отделом образования",
        "Организация": "Отдел образования администрации Тестового района",
        "СНИЛС": "***-***-*** 95",
        "ИНН": "**********97",
        "Сертификат подписи": f"серийный номер {info.serial}",
        "Кем выдан сертификат": gost_pki.ca.info.subject_name,
        "Срок действия сертификата": f"с {info.not_before.astimezone(signing.MOSCOW):%d.%m.%Y} по "
        f"{info.not_after.astimezone(signing.MOSCOW):%d.%m.%Y}",
        "Вид подписи": "ГОСТ Р 34.10-2012, 256 бит",
        "Документ не изменён после подписания": "да",
        "Подпись верна": "да",
        "Сертификат выдан доверенным удостоверяющим центром": "да",
    }
    shown = rows(response)
    assert shown.pop("Когда подписан").endswith("МСК, по часам подписавшего")
    assert shown == expected_rows
    assert result.shown.not_checked[-1] == REVOCATION_HINT
    text = response.content.decode()
    # The public page shows the last two digits of СНИЛС and ИНН only (152-ФЗ): never the whole numbers.
    for secret in ("11223344595", "112-233-445 95", "771234567897"):
        assert secret not in text
    no_jargon(text)
    assert "verification--ok" in text
    assert text.index(lead(response)) < text.index("Подробности") < text.index("Что не проверялось")


def test_a_changed_byte_is_reported(client, kep, tmp_path):
    _report, pdf, head = kep
    signature = sign(head, pdf, tmp_path)
    changed = bytearray(pdf)
    changed[len(pdf) // 2] ^= 0x01
    response = post(client, bytes(changed), signature)
    assert lead(response) == CHANGED
    assert rows(response)["Документ не изменён после подписания"] == "нет"
    assert "verification--bad" in response.content.decode()


def test_a_stranger_ca_is_untrusted(client, kep, gost_pki, tmp_path):
    _report, pdf, _head = kep
    response = post(client, pdf, sign(gost_pki.stranger, pdf, tmp_path))
    assert lead(response) == UNTRUSTED
    shown = rows(response)
    assert (shown["Подпись верна"], shown["Документ не изменён после подписания"]) == ("да", "да")
    assert shown["Сертификат выдан доверенным удостоверяющим центром"] == "нет"


@pytest.mark.parametrize("garbage", [b"garbage, not a signature", b"%PDF-1.7 the PDF chosen twice"])
def test_a_file_that_is_no_signature_is_a_form_error(client, kep, garbage):
    _report, pdf, _head = kep
    with pytest.raises(cades.SignatureUnreadable) as error:
        cades.load_signature(garbage)
    response = post(client, pdf, garbage)
    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["form"].errors == {"signature": [str(error.value)]}
    assert f'<p class="field__error" role="alert">{error.value}</p>' in response.content.decode()


def test_an_empty_signature_file_is_a_form_error(client, kep):
    _report, pdf, _head = kep
    response = post(client, pdf, b"")
    assert response.status_code == 200
    assert response.context["form"].errors == {"signature": ["Отправленный файл пуст."]}


def test_a_signature_over_1_mb_is_refused_before_it_is_read(client, kep):
    _report, pdf, _head = kep
    response = post(client, pdf, b"0" * (1024 * 1024 + 1))
    assert response.context["form"].errors == {"signature": [SIGNATURE_TOO_LARGE]}


def test_a_signed_report_of_the_portal_is_named_and_linked(client, world, kep, tmp_path):
    report, pdf, head = kep
    signature = sign(head, pdf, tmp_path)
    services_kep.report_attach_signature(user=kep_world.make_head(world), report=report, signature=signature)
    public_id = report.kep.public_id
    response = post(client, pdf, signature)
    known = response.context["result"].known
    assert known.sentence == (
        f"Это {TITLE}, Обливский район, 2026 год, версия 1, подписанная на портале электронной подписью."
    )
    assert known.public_id == public_id
    assert (
        f'<a href="/reports/verify/{public_id}/">Страница проверки этого документа</a>'
        in response.content.decode()
    )


def test_the_signed_original_alone_is_checked_with_the_signature_the_portal_keeps(
    client, world, kep, tmp_path
):
    report, pdf, head = kep
    services_kep.report_attach_signature(
        user=kep_world.make_head(world), report=report, signature=sign(head, pdf, tmp_path)
    )
    alone = post(client, pdf)
    assert lead(alone) == (
        f"Документ подписан: Кузнецова Н. А., заведующий отделом образования, {today_moscow()}, и с тех пор не изменён."
    )
    assert alone.context["result"].shown.kind == "kep"
    assert rows(alone)["СНИЛС"] == "***-***-*** 95"  # the upload page masks, whoever holds the signature
    # The print copy (the original with the mark and the QR code added) is recognised and sent to the original.
    copy = report.files.get(format=ReportFormat.PRINT_PDF)
    printed = post(client, copy.file.read())
    assert lead(printed) == "Документ не подписан."
    assert printed.context["result"].known.sentence == (
        f"Это копия для печати документа «{TITLE}, Обливский район, 2026 год, версия 1» с отметкой об электронной "
        "подписи и QR-кодом. Сама копия не подписывается: подписан оригинал, его подпись показана на странице "
        "проверки документа."
    )
    assert f'href="/reports/verify/{report.kep.public_id}/"' in printed.content.decode()


# --- the page behind the QR code ------------------------------------------------------------------------------


@pytest.fixture
def stored(client, world, kep, tmp_path):
    report, pdf, head = kep
    services_kep.report_attach_signature(
        user=kep_world.make_head(world), report=report, signature=sign(head, pdf, tmp_path)
    )
    report.refresh_from_db()
    return report.kep, pdf


def test_the_qr_page_shows_the_stored_signature_checked_now(client, stored):
    signature, pdf = stored
    url = reverse("reports:verify_document", args=[signature.public_id])
    assert url == f"/reports/verify/{signature.public_id}/"
    response = client.get(url)
    assert response.status_code == 200
    assert lead(response) == (
        f"Документ подписан: Кузнецова Н. А., заведующий отделом образования, {today_moscow()}, и с тех пор не изменён."
    )
    text = response.content.decode()
    assert hashlib.sha256(pdf).hexdigest() in text
    assert (
        f"Это {TITLE}, Обливский район, 2026 год, версия 1, подписанная на портале электронной подписью."
        in text
    )
    # The reader holds only the paper: no СНИЛС, no ИНН, not even masked.
    assert "СНИЛС" not in rows(response) and "ИНН" not in rows(response)
    for secret in ("11223344595", "771234567897", "*** 95"):
        assert secret not in text
    assert response["Cache-Control"].startswith("max-age=0")
    no_jargon(text)


def test_the_qr_sha256_is_compared_with_the_original(client, stored):
    signature, pdf = stored
    url = reverse("reports:verify_document", args=[signature.public_id])
    same = client.get(url, {"sha256": hashlib.sha256(pdf).hexdigest().upper()})
    assert same.context["qr_check"].matches is True
    # right under the lead sentence, before the details
    text = same.content.decode()
    check = (
        '<p class="verification__check verification__check--ok" role="status">Контрольная сумма из QR-кода '
        "совпадает с подписанным оригиналом.</p>"
    )
    assert text.index(lead(same)) < text.index(check) < text.index("Подробности")
    other = client.get(url, {"sha256": "0" * 64})
    assert other.context["qr_check"].matches is False
    assert other.context["qr_check"].sentence.startswith("Контрольная сумма из QR-кода не совпадает")
    bad = client.get(url, {"sha256": "не хэш"})
    assert bad.context["qr_check"].sentence == (
        "В адресе указана не контрольная сумма SHA-256 (64 шестнадцатеричных знака): сравнить не с чем."
    )


def test_a_file_in_hand_is_compared_with_the_original(client, stored):
    signature, pdf = stored
    url = reverse("reports:verify_document", args=[signature.public_id])
    same = post(client, pdf, url=url)
    assert same.status_code == 200
    assert same.context["comparison"].sentence == "Ваш файл совпадает с подписанным оригиналом байт в байт."
    changed = bytearray(pdf)
    changed[-10] ^= 0x01
    other = post(client, bytes(changed), url=url)
    assert other.context["comparison"].matches is False
    assert other.context["comparison"].sentence.startswith("Ваш файл отличается от подписанного оригинала")
    # the verdict on the stored original stays what it is
    assert lead(other).startswith("Документ подписан: Кузнецова Н. А.")


def test_an_unknown_identifier_is_a_russian_404(client, stored):
    response = client.get(reverse("reports:verify_document", args=[uuid.uuid4()]))
    assert response.status_code == 404
    assert "<html" in response.content.decode() and "404" in response.content.decode()
    assert client.get("/reports/verify/not-a-uuid/").status_code == 404


@pytest.mark.parametrize("damage", ["garbage", "removed"])
def test_a_stored_signature_that_cannot_be_read_is_said_not_a_500(client, stored, damage, caplog):
    signature, pdf = stored
    if damage == "garbage":
        with signature.signature.open("wb") as handle:
            handle.write(b"MZ\x90\x00 not a signature")
    else:
        signature.signature.storage.delete(signature.signature.name)
    client.raise_request_exception = False
    page = client.get(reverse("reports:verify_document", args=[signature.public_id]))
    assert page.status_code == 200
    assert page.context["result"] is None
    assert page.context["missing"] == verification.STORED_UNAVAILABLE
    assert f'<h2 id="verdict-lead" class="verification__lead">{verification.STORED_UNAVAILABLE}</h2>' in (
        page.content.decode()
    )
    assert [r.getMessage() for r in caplog.records if r.name == "reports.verification"] == [
        f"Проверка подписи {signature.public_id}: хранимый PDF или .sig недоступен или не читается"
    ]
    # The original brought alone: what the PDF itself carries is checked, and the page names the report.
    alone = post(client, pdf)
    assert alone.status_code == 200
    assert (alone.context["result"].shown.kind, lead(alone)) == ("seal", "Документ не подписан.")
    assert alone.context["result"].known.public_id == signature.public_id
