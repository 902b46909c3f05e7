"""reports.cades against signatures made by OpenSSL's GOST engine (tests/reports/gost_pki.py): an implementation
independent of the verifier (gostcrypto + asn1crypto)."""

import base64
import dataclasses
import datetime
import hashlib
import json
import os
import ssl
import subprocess

import pytest
from asn1crypto import cms, core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import cades
from reports.cades import (
    SignatureUnreadable,
    load_signature,
    parse_certificate,
    signer_mismatch,
    verify_detached,
)
from tests.reports import gost_pki as pki_module
from tests.reports.conftest import require_gost_openssl
from tests.reports.gost_pki import encode, make_key_identity, sign_detached

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"  # ~100 KB standing in for the справка

HEAD_SUMMARY = (
    "Документ подписан: Кузнецова Н. А., заведующий отделом образования, {date}, и с тех пор не изменён."
)


def _date(moment: datetime.datetime) -> str:
    return moment.astimezone(cades.MOSCOW).strftime("%d.%m.%Y")


# --------------------------------------------------------------------------- Streebog

# ГОСТ Р 34.11-2012 / RFC 6986 §10: the examples M1 and M2 and their hashes, as the standard writes them (the
# most significant byte first). In memory (OpenSSL, gostcrypto, CMS) both messages and hashes are reversed.
M1 = bytes.fromhex(
    "323130393837363534333231303938373635343332313039383736353433323130393837363534333231303938373635343332313039"
    "383736353433323130"
)[::-1]
M2 = bytes.fromhex(
    "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220"
    "e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1"
)[::-1]
STREEBOG_VECTORS = [
    (M1, 256, "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"),
    (
        M1,
        512,
        "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00fa1fbae42b1285c0352f227524bc9ab16254288dd6"
        "863dccd5b9f54a1ad0541b",
    ),
    (M2, 256, "508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d"),
    (
        M2,
        512,
        "28fbc9bada033b1460642bdcddb90c3fb3e56c497ccd0f62b8a2ad4935e85f037613966de4ee00531ae60f3b5a47f8dae06915d5f2f1"
        "94996fcabf2622e6881e",
    ),
]


def test_streebog_examples_are_the_standards_messages():
    assert M1 == b"012345678901234567890123456789012345678901234567890123456789012"
    assert M2 == "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы".encode("cp1251")


@pytest.mark.parametrize("pure", [True, False], ids=["gostcrypto", "openssl"])
@pytest.mark.parametrize(
    ("message", "bits", "expected"), STREEBOG_VECTORS, ids=["M1-256", "M1-512", "M2-256", "M2-512"]
)
def test_streebog_test_vectors(message, bits, expected, pure):
    digest = (cades.streebog256 if bits == 256 else cades.streebog512)(message, pure=pure)
    assert digest == bytes.fromhex(expected)[::-1]


def test_openssl_gost_provider_is_loaded():
    # The machine (and CI) has libengine-gost-openssl: the fast path must be the one in use.
    assert cades.streebog_available_in_openssl() is True


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 127, 128, 1000, 65_536 + 17])
def test_streebog_both_paths_agree(size):
    data = hashlib.shake_256(str(size).encode()).digest(size)
    assert cades.streebog256(data) == cades.streebog256(data, pure=True)
    assert cades.streebog512(data) == cades.streebog512(data, pure=True)


def test_gost_provider_leaves_the_process_alone():
    """The provider lives in a private OpenSSL library context: hashlib, ssl and pyca see nothing new."""
    assert cades.streebog_available_in_openssl() is True
    with pytest.raises(ValueError, match="unsupported hash type"):
        hashlib.new("md_gost12_256")
    assert (
        hashlib.sha256(b"abc").hexdigest()
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    context = ssl.create_default_context()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert all("GOST" not in cipher["name"] for cipher in context.get_ciphers())


# --------------------------------------------------------------------------- parameter sets


PARAMETER_SETS = [
    # (bits, OpenSSL's name, the OID it writes, gostcrypto's curve)
    (256, "A", "1.2.643.2.2.35.1", "id-tc26-gost-3410-2012-256-paramSetB"),
    (256, "B", "1.2.643.2.2.35.2", "id-tc26-gost-3410-2012-256-paramSetC"),
    (256, "C", "1.2.643.2.2.35.3", "id-tc26-gost-3410-2012-256-paramSetD"),
    (256, "XA", "1.2.643.2.2.36.0", "id-tc26-gost-3410-2012-256-paramSetB"),
    (256, "XB", "1.2.643.2.2.36.1", "id-tc26-gost-3410-2012-256-paramSetD"),
    (256, "TCA", "1.2.643.7.1.2.1.1.1", "id-tc26-gost-3410-2012-256-paramSetA"),
    (256, "TCB", "1.2.643.7.1.2.1.1.2", "id-tc26-gost-3410-2012-256-paramSetB"),
    (256, "TCC", "1.2.643.7.1.2.1.1.3", "id-tc26-gost-3410-2012-256-paramSetC"),
    (256, "TCD", "1.2.643.7.1.2.1.1.4", "id-tc26-gost-3410-2012-256-paramSetD"),
    (512, "A", "1.2.643.7.1.2.1.2.1", "id-tc26-gost-3410-12-512-paramSetA"),
    (512, "B", "1.2.643.7.1.2.1.2.2", "id-tc26-gost-3410-12-512-paramSetB"),
    (512, "C", "1.2.643.7.1.2.1.2.3", "id-tc26-gost-3410-2012-512-paramSetC"),
]


@pytest.mark.parametrize(
    ("bits", "paramset", "oid", "curve"), PARAMETER_SETS, ids=[f"{b}-{p}" for b, p, *_ in PARAMETER_SETS]
)
def test_every_parameter_set_openssl_generates(tmp_path, bits, paramset, oid, curve):
    """One signature per parameter set: a wrong curve or a wrong byte order (key, signature, digest) fails here."""
    require_gost_openssl()
    identity = make_key_identity(tmp_path, bits=bits, paramset=paramset)
    assert cades._load_cert(identity.cert_der).curve == cades.CURVES[oid] == curve
    signature = sign_detached(identity, PDF, tmp_path=tmp_path)
    verdict = verify_detached(PDF, signature, trust_roots=[identity.cert_der])
    assert (verdict.ok, verdict.problems, verdict.algorithm) == (True, (), f"ГОСТ Р 34.10-2012, {bits} бит")
    changed = verify_detached(PDF + b" ", signature, trust_roots=[identity.cert_der])
    assert (changed.signature_valid, changed.intact, changed.problems) == (True, False, ("other_file",))


# --------------------------------------------------------------------------- the verdicts


@pytest.fixture(scope="module")
def signatures(gost_pki, gost_pki_512, tmp_path_factory):
    """Every signature the table below needs, made once (OpenSSL is quick, but not free)."""
    tmp = tmp_path_factory.mktemp("signatures")
    return {
        "head": sign_detached(gost_pki.head, PDF, tmp_path=tmp),
        "head512": sign_detached(gost_pki_512.head, PDF, tmp_path=tmp),
        "stranger": sign_detached(gost_pki.stranger, PDF, tmp_path=tmp),
        "expired": sign_detached(gost_pki.expired, PDF, tmp_path=tmp),
        "future": sign_detached(gost_pki.future, PDF, tmp_path=tmp),
        "forged": sign_detached(gost_pki.forged, PDF, tmp_path=tmp),
        "unfit": sign_detached(gost_pki.unfit, PDF, tmp_path=tmp),
        "no_chain": sign_detached(gost_pki.head, PDF, tmp_path=tmp, chain=()),
        "no_cert": sign_detached(gost_pki.head, PDF, tmp_path=tmp, include_certificate=False),
        "attached": sign_detached(gost_pki.head, PDF, tmp_path=tmp, attached=True),
        "no_attributes": sign_detached(gost_pki.head, PDF, tmp_path=tmp, no_attributes=True),
        "cades": sign_detached(gost_pki.head, PDF, tmp_path=tmp, cades=True),
        "expired_no_time": sign_detached(gost_pki.expired, PDF, tmp_path=tmp, no_attributes=True),
    }


UNTRUSTED = "Сертификат выдан удостоверяющим центром «Чужой УЦ», которого нет среди доверенных."
NO_INTERMEDIATE = (
    "Сертификат выдан удостоверяющим центром «Тестовый УЦ Федерального казначейства», "
    "которого нет среди доверенных."
)
CASES = [
    # (signature, content changed, pki, valid, intact, trusted, problems, reasons, summary or None for the head's)
    ("head", False, "256", True, True, True, (), (), None),
    ("head512", False, "512", True, True, True, (), (), None),
    ("head", True, "256", True, False, True, ("other_file",), (cades.PROBLEM_REASONS["other_file"],), cades.SUMMARY_CHANGED),
    ("head512", True, "512", True, False, True, ("other_file",), (cades.PROBLEM_REASONS["other_file"],), cades.SUMMARY_CHANGED),
    ("stranger", False, "256", True, True, False, ("untrusted",), (UNTRUSTED,), cades.SUMMARY_UNTRUSTED),
    (
        "expired", False, "256", True, True, False, ("expired",),
        ("Срок действия сертификата истёк 01.01.2021, до момента подписания.",), cades.SUMMARY_EXPIRED,
    ),
    (
        "future", False, "256", True, True, False, ("not_yet_valid",),
        ("Срок действия сертификата начинается 01.01.2040, после момента подписания.",), cades.SUMMARY_NOT_YET_VALID,
    ),
    (
        "forged", False, "256", True, True, False, ("untrusted",),
        ("Сертификат выдан удостоверяющим центром «Кузнецова Наталья Андреевна», которого нет среди доверенных.",),
        cades.SUMMARY_UNTRUSTED,
    ),
    ("unfit", False, "256", True, True, False, ("untrusted",), (cades.REASON_UNFIT,), cades.SUMMARY_UNTRUSTED),
    ("no_chain", False, "256", True, True, False, ("untrusted",), (NO_INTERMEDIATE,), cades.SUMMARY_UNTRUSTED),
    (
        "no_cert", False, "256", False, False, False, ("no_signer_cert",),
        (cades.PROBLEM_REASONS["no_signer_cert"],), cades.SUMMARY_NO_CERT,
    ),
    ("cades", False, "256", True, True, True, (), (), None),
    ("cades", True, "256", True, False, True, ("other_file",), (cades.PROBLEM_REASONS["other_file"],), cades.SUMMARY_CHANGED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "changed", "pki", "valid", "intact", "trusted", "problems", "reasons", "summary"),
    CASES,
    ids=[f"{case[0]}{'-changed' if case[1] else ''}" for case in CASES],
)
def test_verdicts(
    signatures, gost_pki, gost_pki_512, name, changed, pki, valid, intact, trusted, problems, reasons, summary
):
    pki = gost_pki if pki == "256" else gost_pki_512
    content = bytearray(PDF)
    if changed:
        content[5000] ^= 0x01  # one bit of one byte
    before = datetime.datetime.now(datetime.UTC)
    verdict = verify_detached(bytes(content), signatures[name], trust_roots=pki.trust_roots)
    assert (verdict.signature_valid, verdict.intact, verdict.trusted) == (valid, intact, trusted)
    assert (verdict.problems, verdict.reasons) == (problems, reasons)
    assert verdict.ok is (problems == ())
    if name != "no_cert":
        assert before - datetime.timedelta(minutes=10) < verdict.signed_at <= before
        assert verdict.gost is True
    if summary is None:
        assert verdict.summary == HEAD_SUMMARY.format(date=_date(verdict.signed_at))
        assert [link.subject_name for link in verdict.chain] == [
            "Кузнецова Наталья Андреевна",
            "Тестовый УЦ Федерального казначейства",
            "Тестовый головной УЦ",
        ]
    else:
        assert verdict.summary == summary


def test_512_bit_head(gost_pki_512, signatures):
    verdict = verify_detached(PDF, signatures["head512"], trust_roots=gost_pki_512.trust_roots)
    assert (verdict.ok, verdict.algorithm, verdict.signer.algorithm) == (
        True,
        "ГОСТ Р 34.10-2012, 512 бит",
        "ГОСТ Р 34.10-2012, 512 бит",
    )


def test_intermediate_supplied_apart_or_trusted_itself(gost_pki, signatures):
    """A CMS with the signer's certificate alone: the chain is completed from ``certificates``, or the УЦ's own
    certificate is a trust root (a department may upload the Treasury's УЦ rather than the head CA)."""
    apart = verify_detached(
        PDF, signatures["no_chain"], trust_roots=gost_pki.trust_roots, certificates=[gost_pki.ca.cert_pem]
    )
    assert (apart.ok, len(apart.chain)) == (True, 3)
    anchored = verify_detached(PDF, signatures["no_chain"], trust_roots=[gost_pki.ca.cert_der])
    assert (anchored.ok, [link.subject_name for link in anchored.chain]) == (
        True,
        ["Кузнецова Наталья Андреевна", "Тестовый УЦ Федерального казначейства"],
    )


def test_pem_bundle_of_roots_and_rsa_roots_ignored(gost_pki, signatures, rsa_identity):
    bundle = rsa_identity["cert_pem"] + gost_pki.stranger_root.cert_pem + gost_pki.root.cert_pem
    verdict = verify_detached(PDF, signatures["head"], trust_roots=[bundle, b"not a certificate"])
    assert (verdict.ok, verdict.problems) == (True, ())


def test_validity_is_checked_at_the_signing_time_not_now(gost_pki, signatures):
    """63-ФЗ ст. 11 п. 2: the certificate must be valid at the moment of signing when it is known."""
    later = datetime.datetime(2035, 1, 1, tzinfo=datetime.UTC)  # all certificates have expired by then
    verdict = verify_detached(PDF, signatures["head"], trust_roots=gost_pki.trust_roots, now=later)
    assert (verdict.ok, verdict.problems) == (True, ())


def test_attached_signature(gost_pki, signatures):
    verdict = verify_detached(PDF, signatures["attached"], trust_roots=gost_pki.trust_roots)
    assert (verdict.ok, verdict.attached, verdict.notes) == (
        True,
        True,
        (cades.NOTE_NO_REVOCATION, cades.NOTE_ATTACHED),
    )
    assert verdict.as_json()["attached"] is True
    other = verify_detached(PDF + b"x", signatures["attached"], trust_roots=gost_pki.trust_roots)
    assert (other.signature_valid, other.intact, other.problems) == (True, False, ("other_file",))


def test_signature_without_signed_attributes(gost_pki, signatures):
    verdict = verify_detached(PDF, signatures["no_attributes"], trust_roots=gost_pki.trust_roots)
    assert (verdict.ok, verdict.signed_at, verdict.notes) == (
        True,
        None,
        (cades.NOTE_NO_TIME, cades.NOTE_NO_REVOCATION),
    )
    assert (
        verdict.summary
        == "Документ подписан: Кузнецова Н. А., заведующий отделом образования, и с тех пор не изменён."
    )
    changed = verify_detached(PDF + b"x", signatures["no_attributes"], trust_roots=gost_pki.trust_roots)
    assert (changed.signature_valid, changed.intact, changed.problems) == (False, False, ("other_file",))


def test_expired_without_signing_time_is_checked_today(gost_pki, signatures):
    """63-ФЗ ст. 11 п. 2: with no moment of signing, the certificate must be valid on the day of verification."""
    verdict = verify_detached(PDF, signatures["expired_no_time"], trust_roots=gost_pki.trust_roots)
    assert (verdict.signature_valid, verdict.intact, verdict.trusted, verdict.problems, verdict.reasons) == (
        True,
        True,
        False,
        ("expired",),
        ("Срок действия сертификата истёк 01.01.2021, а время подписания в подписи не указано.",),
    )


def _with_signature_bit_flipped(signature: bytes) -> bytes:
    info = cms.ContentInfo.load(signature)
    signer = info["content"]["signer_infos"][0]
    value = bytearray(signer["signature"].native)
    value[3] ^= 0x10
    signer["signature"] = core.OctetString(bytes(value))
    return info.dump(force=True)


def test_broken_signature_value(gost_pki, signatures):
    broken = _with_signature_bit_flipped(signatures["head"])
    verdict = verify_detached(PDF, broken, trust_roots=gost_pki.trust_roots)
    assert (verdict.signature_valid, verdict.intact, verdict.trusted) == (False, True, True)
    assert (verdict.problems, verdict.summary) == (("bad_signature",), cades.SUMMARY_BROKEN)


def test_cosignature(gost_pki, signatures, tmp_path):
    """A second SignerInfo (`openssl cms -resign`): each is verified, the verdict is the first signer's."""
    pki = gost_pki
    (tmp_path / "in.sig").write_bytes(signatures["head"])
    (tmp_path / "doc.bin").write_bytes(PDF)
    subprocess.run(
        ["openssl", "cms", "-resign", "-engine", "gost", "-binary", "-inform", "DER", "-in", "in.sig",
         "-content", "doc.bin", "-signer", str(pki.stranger.cert_path), "-inkey", str(pki.stranger.key_path),
         "-md", "md_gost12_256", "-outform", "DER", "-out", "co.sig"],
        cwd=tmp_path, env={**os.environ, "OPENSSL_CONF": str(pki.conf)}, check=True, capture_output=True,
    )  # fmt: skip
    verdict = verify_detached(PDF, (tmp_path / "co.sig").read_bytes(), trust_roots=pki.trust_roots)
    assert (verdict.ok, verdict.signer.subject_name) == (True, "Кузнецова Наталья Андреевна")
    assert [(c.signer.subject_name, c.problems) for c in verdict.cosigners] == [
        ("Петров Пётр Петрович", ("untrusted",))
    ]
    assert [c["signer"]["name"] for c in verdict.as_json()["cosigners"]] == ["Петров Пётр Петрович"]


# --------------------------------------------------------------------------- not GOST


@pytest.fixture(scope="module")
def rsa_identity():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Иванова Мария Петровна"),
            x509.NameAttribute(NameOID.SURNAME, "Иванова"),
            x509.NameAttribute(NameOID.GIVEN_NAME, "Мария Петровна"),
            # Real certificates write СНИЛС and ИНН as NumericString (Приказ ФСБ № 795), some as PrintableString;
            # the old form of an organisation's ИНН is its 10 digits padded with "00".
            x509.NameAttribute(
                x509.ObjectIdentifier("1.2.643.100.3"), "12345678964", _ASN1Type.NumericString
            ),
            x509.NameAttribute(
                x509.ObjectIdentifier("1.2.643.3.131.1.1"), "007701234567", _ASN1Type.PrintableString
            ),
            x509.NameAttribute(
                x509.ObjectIdentifier("1.2.643.100.1"), "1027700132195", _ASN1Type.NumericString
            ),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x0A1B2C)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(PDF)
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    return {
        "cert_der": cert.public_bytes(serialization.Encoding.DER),
        "cert_pem": cert.public_bytes(serialization.Encoding.PEM),
        "signature": signature,
    }


def test_rsa_signature_is_not_gost(rsa_identity):
    verdict = verify_detached(PDF, rsa_identity["signature"], trust_roots=[rsa_identity["cert_der"]])
    assert (verdict.signature_valid, verdict.intact, verdict.trusted, verdict.gost) == (
        False,
        False,
        False,
        False,
    )
    assert (verdict.problems, verdict.reasons, verdict.summary) == (
        ("not_gost",),
        (cades.PROBLEM_REASONS["not_gost"],),
        cades.SUMMARY_NOT_GOST,
    )
    assert verdict.algorithm == "RSA, 2048 бит (SHA-256)"
    assert verdict.signer.subject_name == "Иванова Мария Петровна"


def test_certificate_fields_of_any_string_type(rsa_identity):
    info = parse_certificate(rsa_identity["cert_pem"])
    assert (info.snils, info.inn, info.inn_le, info.ogrn, info.serial, info.is_gost, info.algorithm) == (
        "12345678964",
        "",
        "7701234567",
        "1027700132195",
        "0A1B2C",
        False,
        "RSA, 2048 бит",
    )


def test_head_certificate_round_trip(gost_pki):
    """Cyrillic from OpenSSL's -utf8 subject to the verdict's JSON."""
    info = gost_pki.head.info
    assert (info.subject_name, info.surname, info.given_names, info.short_name) == (
        "Кузнецова Наталья Андреевна",
        "Кузнецова",
        "Наталья Андреевна",
        "Кузнецова Н. А.",
    )
    assert (info.snils, info.inn, info.title, info.organization, info.issuer) == (
        "11223344595",
        "771234567897",
        "Заведующий отделом образования",
        "Отдел образования администрации Тестового района",
        "Тестовый УЦ Федерального казначейства",
    )
    assert info.sha256 == hashlib.sha256(gost_pki.head.cert_der).hexdigest()
    assert parse_certificate(gost_pki.head.cert_pem) == info


def test_as_json_shape(gost_pki, signatures):
    verdict = verify_detached(PDF, signatures["head"], trust_roots=gost_pki.trust_roots)
    data = json.loads(json.dumps(verdict.as_json(), ensure_ascii=False))
    head = gost_pki.head.info
    assert data == {
        "signature_valid": True,
        "intact": True,
        "trusted": True,
        "algorithm": "ГОСТ Р 34.10-2012, 256 бит",
        "signer": pki_module.HEAD_SIGNER_JSON,
        "certificate": pki_module.certificate_json(head, issuer="Тестовый УЦ Федерального казначейства"),
        "signed_at": verdict.signed_at.isoformat(),
        "summary": HEAD_SUMMARY.format(date=_date(verdict.signed_at)),
        "reasons": [],
        "problems": [],
        "notes": [cades.NOTE_NO_REVOCATION],
    }


# --------------------------------------------------------------------------- reading the signature


def _b64(der: bytes) -> bytes:
    return base64.b64encode(der)


FORMS = {
    "der": lambda der: der,
    "base64 one line": _b64,
    "base64 76 columns CRLF": lambda der: b"\r\n".join(
        _b64(der)[i : i + 76] for i in range(0, len(_b64(der)), 76)
    ),
    "base64 64 columns": lambda der: encode(der, "base64"),
    "pem CMS": lambda der: encode(der, "pem"),
    "pem PKCS7": lambda der: b"-----BEGIN PKCS7-----\n" + _b64(der) + b"\n-----END PKCS7-----\n",
    "pem SIGNATURE with text around": lambda der: (
        b"Signed by me\n-----BEGIN SIGNATURE-----\n"
        + encode(der, "base64")
        + b"-----END SIGNATURE-----\ntrailer"
    ),
}


@pytest.mark.parametrize("form", FORMS)
def test_signature_forms(gost_pki, signatures, form):
    der = signatures["head"]
    data = FORMS[form](der)
    assert load_signature(data) == der
    assert verify_detached(PDF, data, trust_roots=gost_pki.trust_roots).ok is True


NOT_CMS = "Файл не является электронной подписью: ожидается подпись CMS (.sig) в виде DER, base64 или PEM."
UNREADABLE = [
    (b"", "Файл подписи пуст."),
    (b" \n\t", "Файл подписи пуст."),
    (b"\x00\x01\x02garbage\xff", NOT_CMS),
    (PDF, "Это PDF-документ, а не файл подписи: выберите файл .sig."),
    (
        b"A" * (cades.MAX_SIGNATURE_BYTES + 4),
        "Файл подписи слишком большой (10 МБ): подпись документа занимает обычно несколько килобайт.",
    ),
    (base64.b64encode(b"\x30\x03\x02\x01\x05"), NOT_CMS),
    (b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", NOT_CMS),
    (b"0\x80", NOT_CMS),
    (
        cms.ContentInfo({"content_type": "data", "content": b"hello"}).dump(),
        "Файл не является электронной подписью: в нём не подписанные данные CMS.",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), UNREADABLE, ids=range(len(UNREADABLE)))
def test_unreadable_signatures(data, message):
    with pytest.raises(SignatureUnreadable) as caught:
        load_signature(data)
    assert str(caught.value) == message
    with pytest.raises(SignatureUnreadable):
        verify_detached(PDF, data, trust_roots=[])


def test_a_certificate_is_not_a_signature_nor_garbage_a_certificate(gost_pki):
    with pytest.raises(SignatureUnreadable, match=NOT_CMS.split(":")[0]):
        load_signature(gost_pki.head.cert_der)
    with pytest.raises(SignatureUnreadable) as caught:
        parse_certificate(b"\x30\x03\x02\x01\x05")
    assert str(caught.value) == "Файл не является сертификатом X.509 (ожидается DER или PEM)."


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_raise_only_signature_unreadable(data):
    try:
        load_signature(data)
    except SignatureUnreadable:
        pass
    try:
        verdict = verify_detached(PDF, data, trust_roots=[])
    except SignatureUnreadable:
        return
    assert isinstance(verdict, cades.Verdict)


@pytest.fixture(scope="module")
def head_signature_der(gost_pki, signatures):
    return signatures["head"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=4
    )
)
def test_damaged_real_signature_raises_only_signature_unreadable(head_signature_der, gost_pki, edits):
    """Bytes changed anywhere in a real signature (lengths, tags, OIDs, keys): a verdict or SignatureUnreadable."""
    data = bytearray(head_signature_der)
    for position, value in edits:
        data[position % len(data)] = value
    try:
        verdict = verify_detached(PDF, bytes(data), trust_roots=gost_pki.trust_roots)
    except SignatureUnreadable:
        return
    assert isinstance(verdict, cades.Verdict)


# --------------------------------------------------------------------------- who signed


@pytest.fixture(scope="module")
def alyona(gost_pki):
    return dataclasses.replace(
        gost_pki.head.info,
        subject_name="Артёмова Алёна Сергеевна",
        common_name="Артёмова Алёна Сергеевна",
        surname="Артёмова",
        given_names="Алёна Сергеевна",
        snils="",
    )


MISMATCH = [
    # (certificate, profile СНИЛС, profile name, expected)
    ("head", "112-233-445 95", "Кто угодно", None),
    ("head", "11223344595", "", None),
    (
        "head", "12345678964", "Кузнецова Наталья Андреевна",
        "Сертификат выдан другому человеку: СНИЛС в сертификате 112-233-445 95, а в вашем профиле 123-456-789 64.",
    ),
    ("head", "", "кузнецова  наталья АНДРЕЕВНА ", None),
    (
        "head", "", "Кузнецова Наталия Андреевна",
        "Сертификат выдан другому человеку: в сертификате «Кузнецова Наталья Андреевна», "
        "а в вашем профиле «Кузнецова Наталия Андреевна».",
    ),
    ("alyona", "11223344595", "Артемова Алена Сергеевна", None),  # the certificate has no СНИЛС: by name, ё = е
    ("alyona", "", "АРТЁМОВА\tалена сергеевна", None),
    ("head", "", "", "В профиле не указаны ни СНИЛС, ни ФИО: нельзя убедиться, что сертификат выдан вам."),
]  # fmt: skip


@pytest.mark.parametrize(("who", "snils", "full_name", "expected"), MISMATCH, ids=range(len(MISMATCH)))
def test_signer_mismatch(gost_pki, alyona, who, snils, full_name, expected):
    cert = gost_pki.head.info if who == "head" else alyona
    assert signer_mismatch(cert, snils=snils, full_name=full_name) == expected


def test_pki_module_names_are_the_contracts():
    """The names other helpers use (contract #22): keep them."""
    assert callable(pki_module.openssl_available) and callable(pki_module.make_pki)
    assert callable(pki_module.sign_detached)
    assert {f.name for f in dataclasses.fields(pki_module.Identity)} >= {
        "cert_der",
        "cert_pem",
        "key_pem",
        "info",
    }


def test_a_crafted_crowd_of_same_named_cas_costs_a_bounded_number_of_checks(monkeypatch):
    """The open verification page takes certificates from whoever sends the signature: twelve CA certificates of
    one name and one key, each issuing the others, made the depth-first path search try every ordering (40 s for
    a 10 KB file). The search now checks each certificate once and at most MAX_SIGNATURE_CHECKS signatures."""
    import pyhanko.sign.general  # noqa: F401 - registers signing_certificate_v2 in asn1crypto, as the portal does
    from asn1crypto import cms as asn1_cms
    from asn1crypto import x509 as asn1_x509

    from demo import kep as demo_kep

    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    trusted = demo_kep.make_pki(
        demo_kep.DemoHead("Иванов", "Иван Иванович", "Руководитель", "УО", "11223344595")
    )
    key = demo_kep.new_private_key()
    public = demo_kep.public_key(key)
    name = demo_kep._name(common_name=demo_kep.CA_NAME, organization="Портал ШНОР (демонстрация)")
    validity = {
        "not_before": now - datetime.timedelta(days=1),
        "not_after": now + datetime.timedelta(days=900),
    }
    crowd = [
        demo_kep._certificate(
            subject=name,
            issuer=name,
            public=public,
            issuer_public=public,
            issuer_private=key,
            ca=True,
            **validity,
        )
        for _ in range(12)
    ]
    head_key = demo_kep.new_private_key()
    head = demo_kep._certificate(
        subject=demo_kep._name(
            common_name="Иванов Иван Иванович",
            organization="УО",
            surname="Иванов",
            given_name="Иван Иванович",
        ),
        issuer=name,
        public=demo_kep.public_key(head_key),
        issuer_public=public,
        issuer_private=key,
        ca=False,
        **validity,
    )
    content = b"%PDF-1.7 crafted"
    info = asn1_cms.ContentInfo.load(demo_kep.sign_detached(content, cert_der=head, private=head_key))
    signed = info["content"]
    signed["certificates"] = asn1_cms.CertificateSet(
        [
            *signed["certificates"],
            *(asn1_cms.CertificateChoices({"certificate": asn1_x509.Certificate.load(c)}) for c in crowd),
        ]
    )
    info["content"] = signed
    checks = []
    issued_by = cades._issued_by
    monkeypatch.setattr(cades, "_issued_by", lambda cert, issuer: checks.append(1) or issued_by(cert, issuer))

    verdict = cades.verify_detached(content, info.dump(), trust_roots=[trusted.ca_der])

    assert (verdict.signature_valid, verdict.intact, verdict.trusted, verdict.problems) == (
        True,
        True,
        False,
        ("untrusted",),
    )
    assert len(checks) == 12  # the head against each CA once; the CAs against each other never (seen already)
