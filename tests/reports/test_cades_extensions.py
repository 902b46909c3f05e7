"""reports.cades refuses what binds nothing or is not understood (review of #22): signingCertificateV2 hashed by an
algorithm other than Streebog or SHA-2 (RFC 5035 §5.4, default SHA-256) makes the signature bad; a certificate of
the path, not the trust anchor, marking critical an extension the verifier does not process is not trusted
(RFC 5280 §4.2). Built with the demo's pure-Python GOST CA (demo/kep.py): no OpenSSL needed."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import algos, cms, x509

from demo import kep
from reports import cades

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CONTENT = b"%PDF-1.7\n" + "Аналитическая справка".encode() * 100
HEAD = kep.DemoHead(
    surname="Курочкина",
    given_names="Наталья Александровна",
    title="Заведующий отделом образования",
    organization="Отдел образования Администрации Обливского района",
    snils="12345678964",
    inn="771234567897",
)
SHA256 = "2.16.840.1.101.3.4.2.1"
SHA512 = "2.16.840.1.101.3.4.2.3"
MD5 = "1.2.840.113549.2.5"
SHA1 = "1.3.14.3.2.26"


@pytest.fixture(scope="module")
def ca():
    key = kep.new_private_key()
    public = kep.public_key(key)
    name = kep._name(common_name="Тестовый УЦ", organization="Тест")
    der = kep._certificate(
        subject=name,
        issuer=name,
        public=public,
        issuer_public=public,
        issuer_private=key,
        ca=True,
        not_before=NOW - timedelta(days=30),
        not_after=NOW + timedelta(days=700),
    )
    return der, key, public, name


def issue(ca, *, extra: list[dict] = ()) -> tuple[bytes, bytes]:
    """The head's certificate issued by ``ca``, ``extra`` extensions added; (DER, private key)."""
    ca_der, ca_key, ca_public, ca_name = ca
    key = kep.new_private_key()
    der = kep._certificate(
        subject=kep._name(
            common_name=HEAD.full_name,
            organization=HEAD.organization,
            surname=HEAD.surname,
            given_name=HEAD.given_names,
            title=HEAD.title,
            snils=HEAD.snils,
            inn=HEAD.inn,
        ),
        issuer=ca_name,
        public=kep.public_key(key),
        issuer_public=ca_public,
        issuer_private=ca_key,
        ca=False,
        not_before=NOW - timedelta(days=10),
        not_after=NOW + timedelta(days=300),
    )
    if extra:
        tbs = x509.Certificate.load(der)["tbs_certificate"].copy()
        tbs["extensions"] = x509.Extensions([*tbs["extensions"], *extra])
        der = x509.Certificate(
            {
                "tbs_certificate": tbs,
                "signature_algorithm": {"algorithm": kep.OID_GOST_256_WITH_STREEBOG},
                "signature_value": kep.gost_sign(ca_key, tbs.dump()),
            }
        ).dump()
    return der, key


def sign(cert_der: bytes, key: bytes, *, cert_hash_oid: str | None) -> bytes:
    """A detached CAdES-BES as demo/kep.py makes it, signingCertificateV2 hashed by ``cert_hash_oid``."""
    cert = x509.Certificate.load(cert_der)
    streebog = algos.DigestAlgorithm({"algorithm": kep.OID_STREEBOG_256})
    hash_name = {SHA256: "sha256", SHA512: "sha512", MD5: "md5", SHA1: "sha1"}.get(cert_hash_oid)
    cert_hash = (
        cades.streebog256(cert_der) if hash_name is None else hashlib.new(hash_name, cert_der).digest()
    )
    attributes = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["data"]},
            {"type": "signing_time", "values": [cms.Time(name="utc_time", value=NOW)]},
            {"type": "message_digest", "values": [cades.streebog256(CONTENT)]},
            {
                "type": "signing_certificate_v2",
                "values": [
                    {
                        "certs": [
                            {
                                "hash_algorithm": {"algorithm": cert_hash_oid or kep.OID_STREEBOG_256},
                                "cert_hash": cert_hash,
                            }
                        ]
                    }
                ],
            },
        ]
    )
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": cert.issuer, "serial_number": cert.serial_number},
            ),
            "digest_algorithm": streebog,
            "signed_attrs": attributes,
            "signature_algorithm": {"algorithm": kep.OID_GOST_256},
            "signature": kep.gost_sign(key, attributes.dump()),
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [streebog],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cert],
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def verify(ca, signature: bytes) -> cades.Verdict:
    return cades.verify_detached(CONTENT, signature, trust_roots=[ca[0]], now=NOW)


@pytest.mark.parametrize("oid", [None, SHA256, SHA512])
def test_a_certificate_hashed_by_streebog_or_sha2_is_bound(ca, oid):
    der, key = issue(ca)
    verdict = verify(ca, sign(der, key, cert_hash_oid=oid))
    assert (verdict.ok, verdict.problems, verdict.reasons) == (True, (), ())


@pytest.mark.parametrize(("oid", "name"), [(MD5, "MD5"), (SHA1, "SHA-1")])
def test_a_certificate_hashed_by_md5_or_sha1_is_a_bad_signature(ca, oid, name):
    der, key = issue(ca)
    verdict = verify(ca, sign(der, key, cert_hash_oid=oid))
    assert (verdict.ok, verdict.signature_valid, verdict.intact, verdict.trusted) == (
        False,
        False,
        True,
        True,
    )
    assert verdict.problems == ("bad_signature",)
    assert verdict.reasons == (
        f"Сертификат подписанта указан в подписи хэшем по алгоритму {name}, который не допускается (нужен ГОСТ Р "
        "34.11-2012 или SHA-256, SHA-384, SHA-512): подпись не связана с сертификатом надёжно и не принимается.",
    )
    assert verdict.summary == cades.SUMMARY_BROKEN


NAME_CONSTRAINTS = {
    "extn_id": "name_constraints",
    "critical": True,
    "extn_value": {"permitted_subtrees": [{"base": {"dns_name": "example.ru"}}]},
}
POLICY_CONSTRAINTS = {
    "extn_id": "policy_constraints",
    "critical": True,
    "extn_value": {"require_explicit_policy": 0},
}


@pytest.mark.parametrize(
    ("extension", "names"),
    [(NAME_CONSTRAINTS, "name_constraints"), (POLICY_CONSTRAINTS, "policy_constraints")],
)
def test_a_critical_extension_not_processed_is_not_trusted(ca, extension, names):
    der, key = issue(ca, extra=[extension])
    verdict = verify(ca, sign(der, key, cert_hash_oid=None))
    assert (verdict.ok, verdict.signature_valid, verdict.intact, verdict.trusted) == (
        False,
        True,
        True,
        False,
    )
    assert verdict.problems == ("untrusted",)
    assert verdict.reasons == (
        f"Сертификат «Курочкина Наталья Александровна» содержит критическое расширение ({names}), которое проверка "
        "не обрабатывает: по RFC 5280 такой сертификат не принимается.",
    )


def test_the_same_extensions_not_critical_and_the_processed_ones_critical_are_trusted(ca):
    der, key = issue(ca, extra=[{**NAME_CONSTRAINTS, "critical": False}])
    assert x509.Certificate.load(der).critical_extensions == {"basic_constraints", "key_usage"}
    verdict = verify(ca, sign(der, key, cert_hash_oid=None))
    assert (verdict.ok, verdict.problems) == (True, ())
