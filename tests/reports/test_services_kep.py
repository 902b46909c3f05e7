"""The head's КЭП (reports/services_kep.py): a detached CAdES signature made by OpenSSL's GOST engine (an
implementation independent of the verifier) is attached to a READY report, or refused with its Russian reason."""

import hashlib
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from reports import cades, services, services_kep
from reports.models import Report, ReportEvent, ReportFormat, ReportSignature, ReportStatus, TrustedRoot
from tests.reports import gost_pki as pki_lib
from tests.reports.kep_world import make_head, pdf_bytes, ready_report, trust

pytestmark = pytest.mark.django_db

OTHER_FILE = cades.PROBLEM_REASONS["other_file"]
UNTRUSTED = "Сертификат выдан удостоверяющим центром «Тестовый УЦ Федерального казначейства», которого нет среди доверенных."
EXPIRED = "Срок действия сертификата истёк 01.01.2021, до момента подписания."
NOT_YET_VALID = "Срок действия сертификата начинается 01.01.2040, после момента подписания."
NOT_GOST = cades.PROBLEM_REASONS["not_gost"]


@pytest.fixture
def kep(world, media, gost_pki):
    """The head (named and numbered as the PKI's head), a READY report and the PKI's root trusted."""
    trust(gost_pki)
    return make_head(world), ready_report(world)


def sign(identity, content, tmp_path, **kwargs) -> bytes:
    return pki_lib.sign_detached(identity, content, tmp_path=tmp_path, **kwargs)


def refusal(user, report, signature) -> list[str]:
    with pytest.raises(services.ReportError) as error:
        services_kep.report_attach_signature(user=user, report=report, signature=signature)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert not ReportSignature.objects.filter(report=report).exists()
    return error.value.messages


@pytest.mark.parametrize("form", ["der", "base64", "pem"])
def test_the_heads_signature_signs_the_report(kep, gost_pki, tmp_path, form):
    head, report = kep
    pdf = report.files.get(format=ReportFormat.PDF)
    before = pdf.file.read()
    pdf.file.close()
    signature = sign(gost_pki.head, before, tmp_path, form=form)
    started = timezone.now()

    signed = services_kep.report_attach_signature(user=head, report=report, signature=signature)

    assert signed.status == ReportStatus.SIGNED
    assert signed.signature_kind == "kep"
    assert signed.signature_kind_label == "подписан КЭП"
    assert signed.signed_by == head
    assert started <= signed.signed_at <= timezone.now()
    assert signed.signer_name == "Кузнецова Наталья Андреевна"
    assert signed.signer_position == pki_lib.HEAD_TITLE
    assert signed.signer_organization == pki_lib.HEAD_ORGANIZATION
    row = ReportSignature.objects.get(report=report)
    info = gost_pki.head.info
    der = pki_lib.encode(cades.load_signature(signature), "der")
    assert {
        "signature": row.signature.read(),
        "signature_sha256": row.signature_sha256,
        "pdf_sha256": row.pdf_sha256,
        "certificate": bytes(row.certificate),
        "owner_name": row.owner_name,
        "snils": row.snils,
        "inn": row.inn,
        "title": row.title,
        "organization": row.organization,
        "serial": row.serial,
        "issuer": row.issuer,
        "not_before": row.not_before,
        "not_after": row.not_after,
        "algorithm": row.algorithm,
        "uploaded_by": row.uploaded_by,
        "verified_at": row.verified_at,
    } == {
        "signature": der,
        "signature_sha256": hashlib.sha256(der).hexdigest(),
        "pdf_sha256": hashlib.sha256(before).hexdigest(),
        "certificate": gost_pki.head.cert_der,
        "owner_name": "Кузнецова Наталья Андреевна",
        "snils": pki_lib.HEAD_SNILS,
        "inn": pki_lib.HEAD_INN,
        "title": pki_lib.HEAD_TITLE,
        "organization": pki_lib.HEAD_ORGANIZATION,
        "serial": info.serial,
        "issuer": "Тестовый УЦ Федерального казначейства",
        "not_before": info.not_before,
        "not_after": info.not_after,
        "algorithm": "ГОСТ Р 34.10-2012, 256 бит",
        "uploaded_by": head,
        "verified_at": signed.signed_at,
    }
    assert started - timedelta(minutes=1) <= row.signed_at <= timezone.now()  # signingTime of the CMS
    assert row.signature.name == f"reports/{report.pk}/kep/spravka-2026-v1.pdf.sig"
    # The signed PDF is never rewritten: the same bytes, the same record.
    pdf.refresh_from_db()
    assert pdf.file.read() == before
    assert pdf.sha256 == hashlib.sha256(before).hexdigest()
    event = report.events.get(action=ReportEvent.Action.SIGNED_KEP)
    assert (event.user, event.comment) == (
        head,
        f"КЭП: Кузнецова Наталья Андреевна, сертификат № {info.serial}, "
        "выдан «Тестовый УЦ Федерального казначейства»",
    )
    assert event.get_action_display() == "утверждён и подписан КЭП руководителя"
    # The print copy (reports/print_copy.py) is a separate file that begins with the signed original's bytes.
    assert set(report.files.values_list("format", flat=True)) == {ReportFormat.PDF, ReportFormat.PRINT_PDF}
    copy = report.files.get(format=ReportFormat.PRINT_PDF)
    data = copy.file.read()
    assert (data[: len(before)], hashlib.sha256(data).hexdigest(), len(data)) == (
        before,
        copy.sha256,
        copy.size,
    )
    assert copy.file.name == f"reports/{report.pk}/kep/spravka-2026-v1-print.pdf"


def test_a_signature_of_another_file_is_refused(kep, gost_pki, tmp_path):
    head, report = kep
    assert refusal(head, report, sign(gost_pki.head, pdf_bytes() + b"\n", tmp_path)) == [OTHER_FILE]


def test_another_persons_signature_is_refused(kep, gost_pki, tmp_path):
    head, report = kep
    trust(gost_pki, gost_pki.stranger_root)  # a trusted CA, another person's certificate
    assert refusal(head, report, sign(gost_pki.stranger, pdf_bytes(), tmp_path)) == [
        "Сертификат выдан другому человеку: СНИЛС в сертификате 112-233-445 96, а в вашем профиле 112-233-445 95."
    ]


def test_without_a_snils_in_the_profile_the_full_name_decides(kep, world, gost_pki, tmp_path):
    head, report = kep
    trust(gost_pki, gost_pki.stranger_root)
    head.snils = ""
    head.save(update_fields=["snils"])
    assert refusal(head, report, sign(gost_pki.stranger, pdf_bytes(), tmp_path)) == [
        "Сертификат выдан другому человеку: в сертификате «Петров Пётр Петрович», "
        "а в вашем профиле «Кузнецова Наталья Андреевна»."
    ]
    head.last_name = "КУЗНЕЦОВА"  # case and spaces do not matter
    signed = services_kep.report_attach_signature(
        user=head, report=report, signature=sign(gost_pki.head, pdf_bytes(), tmp_path)
    )
    assert signed.signature_kind == "kep"


def test_an_untrusted_certificate_is_refused(kep, gost_pki, tmp_path):
    head, report = kep
    TrustedRoot.objects.all().delete()
    assert refusal(head, report, sign(gost_pki.head, pdf_bytes(), tmp_path)) == [UNTRUSTED]


def test_an_expired_certificate_is_refused(kep, gost_pki, tmp_path):
    head, report = kep
    assert refusal(head, report, sign(gost_pki.expired, pdf_bytes(), tmp_path)) == [EXPIRED]


def test_a_certificate_not_yet_valid_is_refused(kep, gost_pki, tmp_path):
    head, report = kep
    assert refusal(head, report, sign(gost_pki.future, pdf_bytes(), tmp_path)) == [NOT_YET_VALID]


def rsa_signature(content: bytes) -> bytes:
    """A detached CMS signature in RSA/SHA-256 (pyca/cryptography): well formed, not GOST."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Кузнецова Наталья Андреевна")])
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )


def test_a_signature_not_in_gost_is_refused(kep):
    head, report = kep
    assert refusal(head, report, rsa_signature(pdf_bytes())) == [NOT_GOST]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Файл подписи пуст."),
        (b"%PDF-1.7 ...", "Это PDF-документ, а не файл подписи: выберите файл .sig."),
        (b"\x00" * (2 * 1024 * 1024 + 1), services_kep.SIGNATURE_TOO_LARGE),
    ],
)
def test_what_is_not_a_signature_is_refused(kep, data, message):
    head, report = kep
    assert refusal(head, report, data) == [message]


@pytest.mark.parametrize("role", ["methodist", "analyst", "regional_methodist"])
def test_only_the_head_attaches_a_signature(kep, world, gost_pki, tmp_path, role):
    _head, report = kep
    with pytest.raises(PermissionDenied) as error:
        services_kep.report_attach_signature(
            user=world.users[role], report=report, signature=sign(gost_pki.head, pdf_bytes(), tmp_path)
        )
    assert str(error.value) == "Утверждать и подписывать отчёты может руководитель управления образования."


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ReportStatus.QUEUED, "Такой переход статуса отчёта не предусмотрен."),
        (ReportStatus.RETURNED, "Такой переход статуса отчёта не предусмотрен."),
        (ReportStatus.SIGNED, "Отчёт подписан и не изменяется. Для исправления создайте новую версию."),
    ],
)
def test_only_a_ready_report_is_signed(kep, gost_pki, tmp_path, status, message):
    head, report = kep
    Report.objects.filter(pk=report.pk).update(status=status)
    with pytest.raises(services.ReportError) as error:
        services_kep.report_attach_signature(
            user=head, report=report, signature=sign(gost_pki.head, pdf_bytes(), tmp_path)
        )
    assert error.value.messages == [message]
    assert not ReportSignature.objects.exists()


def test_a_pdf_changed_in_storage_is_not_signed(kep, gost_pki, tmp_path):
    head, report = kep
    pdf = report.files.get(format=ReportFormat.PDF)
    changed = pdf_bytes().replace(b"%PDF-1.7", b"%PDF-1.6", 1)
    with open(pdf.file.path, "wb") as handle:
        handle.write(changed)
    # Signed exactly what is in storage now, yet the stored file is not the report's.
    assert refusal(head, report, sign(gost_pki.head, changed, tmp_path)) == [services_kep.PDF_DAMAGED]


def test_trust_roots_are_the_uploaded_ones_and_the_settings_files(world, gost_pki, settings, tmp_path):
    settings.REPORTS_TRUST_ROOTS = [str(tmp_path / "two.pem"), str(tmp_path / "missing.pem")]
    (tmp_path / "two.pem").write_bytes(gost_pki.ca.cert_pem + gost_pki.stranger_root.cert_pem)
    trust(gost_pki)
    assert services.trust_roots() == [
        gost_pki.root.cert_der,
        gost_pki.ca.cert_der,
        gost_pki.stranger_root.cert_der,
    ]


# --- trusted roots -----------------------------------------------------------------------------------------------


def test_a_superuser_adds_a_root_in_pem_or_der(world, gost_pki):
    admin = world.users["superuser"]
    root = services_kep.trusted_root_add(user=admin, data=gost_pki.root.cert_pem)
    info = gost_pki.root.info
    assert (root.name, root.serial, root.sha256, bytes(root.certificate)) == (
        "Тестовый головной УЦ",
        info.serial,
        hashlib.sha256(gost_pki.root.cert_der).hexdigest(),
        gost_pki.root.cert_der,
    )
    assert (root.not_before, root.not_after, root.is_gost, root.added_by) == (
        info.not_before,
        info.not_after,
        True,
        admin,
    )
    with pytest.raises(services.ReportError) as error:
        services_kep.trusted_root_add(user=admin, data=gost_pki.root.cert_der)
    assert error.value.messages == ["Этот сертификат уже в списке доверенных: «Тестовый головной УЦ»."]
    services_kep.trusted_root_remove(user=admin, root=root)
    assert not TrustedRoot.objects.exists()


def test_an_rsa_root_is_kept_as_not_gost(world, signing_settings):
    root = services_kep.trusted_root_add(
        user=world.users["superuser"], data=open(signing_settings.REPORTS_TRUST_ROOTS[0], "rb").read()
    )
    assert (root.name, root.is_gost) == ("Демо-удостоверяющий центр ШНОР", False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a certificate", "Файл не читается как сертификат X.509 (ожидается .cer, .crt или .pem)."),
        (
            b"\x30" * (256 * 1024 + 1),
            "Файл больше 256 КБ: это не похоже на сертификат удостоверяющего центра.",
        ),
    ],
)
def test_what_is_not_a_certificate_is_refused(world, data, message):
    with pytest.raises(services.ReportError) as error:
        services_kep.trusted_root_add(user=world.users["superuser"], data=data)
    assert error.value.messages == [message]


def test_a_persons_certificate_is_not_a_root(world, gost_pki):
    with pytest.raises(services.ReportError) as error:
        services_kep.trusted_root_add(user=world.users["superuser"], data=gost_pki.head.cert_der)
    assert error.value.messages == [
        "«Кузнецова Наталья Андреевна» — не сертификат удостоверяющего центра (в нём нет признака CA): "
        "доверенным корнем может быть только сертификат УЦ."
    ]


def test_a_pem_with_two_certificates_is_refused(world, gost_pki):
    with pytest.raises(services.ReportError) as error:
        services_kep.trusted_root_add(
            user=world.users["superuser"], data=gost_pki.root.cert_pem + gost_pki.ca.cert_pem
        )
    assert error.value.messages == ["В файле несколько сертификатов: загрузите их по одному."]


@pytest.mark.parametrize("role", ["head", "methodist", "regional_methodist", "analyst", "nobody"])
def test_only_a_superuser_manages_roots(world, gost_pki, role):
    user = world.users[role]
    with pytest.raises(PermissionDenied) as error:
        services_kep.trusted_root_add(user=user, data=gost_pki.root.cert_der)
    assert (
        str(error.value)
        == "Доверенные корневые сертификаты добавляет и удаляет только администратор портала."
    )
    trust(gost_pki)
    with pytest.raises(PermissionDenied):
        services_kep.trusted_root_remove(user=user, root=TrustedRoot.objects.get())


def test_a_print_copy_that_fails_does_not_undo_the_signature(kep, gost_pki, tmp_path, monkeypatch, caplog):
    from reports import print_copy

    def broken(*args, **kwargs):
        raise RuntimeError("вёрстка")

    monkeypatch.setattr(print_copy, "build_print_copy", broken)
    head, report = kep
    signed = services_kep.report_attach_signature(
        user=head, report=report, signature=sign(gost_pki.head, pdf_bytes(), tmp_path)
    )
    assert (signed.status, signed.signature_kind) == (ReportStatus.SIGNED, "kep")
    assert list(report.files.values_list("format", flat=True)) == [ReportFormat.PDF]
    assert f"Отчёт {report.pk}: копия для печати не сделана" in caplog.text


def test_a_signing_time_before_the_pdf_or_in_the_future_is_refused(world, media):
    """signingTime is the signer's own clock, and the certificate is judged at that moment: a moment before the
    PDF existed (or ahead of now) would let an expired certificate sign by setting the clock back."""
    from demo import kep as demo_kep

    pki = demo_kep.make_pki(
        demo_kep.DemoHead(
            surname=pki_lib.HEAD_NAME[0],
            given_names=pki_lib.HEAD_NAME[1],
            title="Руководитель",
            organization="Управление образования",
            snils=pki_lib.HEAD_SNILS,
        )
    )
    TrustedRoot.objects.create(
        certificate=pki.ca_der,
        name="Демо УЦ",
        serial="01",
        sha256=hashlib.sha256(pki.ca_der).hexdigest(),
        not_before=timezone.now() - timedelta(days=1),
        not_after=timezone.now() + timedelta(days=365),
        is_gost=True,
    )
    head, report = make_head(world), ready_report(world)
    created = report.files.get(format=ReportFormat.PDF).created_at

    def signed_at(moment):
        return demo_kep.sign_detached(
            pdf_bytes(), cert_der=pki.head_der, private=pki.head_key, signing_time=moment
        )

    early = created - timedelta(hours=1)
    late = timezone.now() + timedelta(hours=1)
    assert refusal(head, report, signed_at(early)) == [
        services_kep.SIGNED_BEFORE_PDF.format(when=timezone.localtime(early).strftime("%d.%m.%Y %H:%M"))
    ]
    assert refusal(head, report, signed_at(late)) == [
        services_kep.SIGNED_IN_FUTURE.format(when=timezone.localtime(late).strftime("%d.%m.%Y %H:%M"))
    ]
    signed = services_kep.report_attach_signature(user=head, report=report, signature=signed_at(None))
    assert signed.status == ReportStatus.SIGNED
