"""The demo's test КЭП, in pure Python: a GOST certification centre, the demo head's qualified-looking certificate
and key, and a detached CAdES-BES signer — so that whoever tries the demo can download the справка, sign it and
upload the signature without a token or КриптоПро. For the demo only: nothing in reports/ imports it.

Made with gostcrypto (ГОСТ Р 34.10-2012 signature, ГОСТ Р 34.11-2012 «Стрибог» through reports.cades.streebog256)
and asn1crypto (X.509, CMS), without OpenSSL: ``make demo`` installs no system packages. The byte order is that of
RFC 4491 §2.2.1-2.2.2 / RFC 9215 §3-4, which the portal's verifier (reports.cades) follows and the tests check
against OpenSSL's GOST engine: the public key in a certificate is X||Y, each coordinate little-endian; a signature
value is s||r, each big-endian; the digest is read as a little-endian number (ГОСТ Р 34.10-2012 §6.1). gostcrypto
takes X||Y, r||s and the digest big-endian, hence the reversals below.

The subject of the head's certificate carries what Приказ ФСБ России от 27.12.2011 № 795 (прил. 1, п. 17-18) asks
of a qualified certificate of an official: surname, given names, title, organization, СНИЛС (1.2.643.100.3,
NumericString of 11 digits) and the personal ИНН (1.2.643.3.131.1.1, NumericString of 12 digits).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asn1crypto.tsp  # noqa: F401 — registers the CMS attribute signing_certificate_v2 (RFC 5035) by name
from asn1crypto import algos, cms, core, keys, pem, x509
from gostcrypto import gostsignature

from reports.cades import streebog256

# ГОСТ Р 34.10-2012, 256 bit, with the CryptoPro-A parameter set (1.2.643.2.2.35.1, RFC 4357 §11.4), as the
# Federal Treasury's certificates are; it is the curve tc26 256 paramSetB (RFC 7836 §A.2).
OID_GOST_256 = "1.2.643.7.1.1.1.1"
OID_GOST_256_WITH_STREEBOG = "1.2.643.7.1.1.3.2"
OID_STREEBOG_256 = "1.2.643.7.1.1.2.2"
OID_PARAMSET = "1.2.643.2.2.35.1"
CURVE = "id-tc26-gost-3410-2012-256-paramSetB"
OID_SNILS = "1.2.643.100.3"
OID_INN = "1.2.643.3.131.1.1"
SIZE = 32

CA_NAME = "Демо-УЦ ШНОР (ГОСТ, не для реальных документов)"
CA_FILE = "demo-kep-ca.cer"
HEAD_CERT_FILE = "demo-kep-head.cer"
HEAD_KEY_FILE = "demo-kep-head.key.pem"
VALIDITY = timedelta(days=3 * 365)


class _GostKeyParameters(core.Sequence):
    # RFC 9215 §4 (GostR3410-2012-PublicKeyParameters): the CryptoPro sets name their digest as well.
    _fields = [  # noqa: RUF012
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]  # noqa: RUF012


class _SubjectPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.OctetBitString)]  # noqa: RUF012


class _PrivateKeyInfo(core.Sequence):
    # PKCS#8 (RFC 5208) as OpenSSL's GOST engine writes it: the key an OCTET STRING, little-endian.
    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("private_key_algorithm", _AlgorithmIdentifier),
        ("private_key", core.OctetString),
    ]


def _signer():
    return gostsignature.new(gostsignature.MODE_256, gostsignature.CURVES_R_1323565_1_024_2019[CURVE])


def _order() -> int:
    return int(gostsignature.CURVES_R_1323565_1_024_2019[CURVE]["q"])


def new_private_key() -> bytes:
    """A random private key, 32 bytes big-endian, in [1, q-1]."""
    return (secrets.randbelow(_order() - 1) + 1).to_bytes(SIZE, "big")


def public_key(private: bytes) -> bytes:
    """X||Y of the public key, each coordinate little-endian (RFC 4491 §2.3.2)."""
    xy = bytes(_signer().public_key_generate(bytearray(private)))
    return xy[:SIZE][::-1] + xy[SIZE:][::-1]


def gost_sign(private: bytes, data: bytes) -> bytes:
    """ГОСТ Р 34.10-2012 signature of Streebog-256(data): s||r, each big-endian (RFC 4491 §2.2.2)."""
    digest = streebog256(data)
    r_s = bytes(_signer().sign(bytearray(private), bytearray(digest[::-1])))
    return r_s[SIZE:] + r_s[:SIZE]


def _spki(public: bytes) -> keys.PublicKeyInfo:
    info = _SubjectPublicKeyInfo(
        {
            "algorithm": {
                "algorithm": OID_GOST_256,
                "parameters": _GostKeyParameters(
                    {"public_key_param_set": OID_PARAMSET, "digest_param_set": OID_STREEBOG_256}
                ),
            },
            "public_key": core.OctetString(public).dump(),
        }
    )
    return keys.PublicKeyInfo.load(info.dump())


def _attribute(oid: str, value: core.Asn1Value) -> x509.RelativeDistinguishedName:
    return x509.RelativeDistinguishedName([x509.NameTypeAndValue({"type": oid, "value": value})])


def _name(
    *,
    common_name: str,
    organization: str,
    surname: str = "",
    given_name: str = "",
    title: str = "",
    snils: str = "",
    inn: str = "",
) -> x509.Name:
    def utf8(oid: str, text: str) -> x509.RelativeDistinguishedName:
        return _attribute(oid, x509.DirectoryString(name="utf8_string", value=text))

    rdns = [_attribute("2.5.4.6", core.PrintableString("RU")), utf8("2.5.4.10", organization)]
    if title:
        rdns.append(utf8("2.5.4.12", title))
    if surname:
        rdns.append(utf8("2.5.4.4", surname))
    if given_name:
        rdns.append(utf8("2.5.4.42", given_name))
    if snils:
        rdns.append(_attribute(OID_SNILS, core.NumericString(snils)))
    if inn:
        rdns.append(_attribute(OID_INN, core.NumericString(inn)))
    rdns.append(utf8("2.5.4.3", common_name))
    return x509.Name(name="", value=x509.RDNSequence(rdns))


def _key_id(public: bytes) -> bytes:
    # RFC 5280 §4.2.1.2, method (1): SHA-1 of the subjectPublicKey BIT STRING's value.
    return hashlib.sha1(core.OctetString(public).dump(), usedforsecurity=False).digest()


def _certificate(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public: bytes,
    issuer_public: bytes,
    issuer_private: bytes,
    ca: bool,
    not_before: datetime,
    not_after: datetime,
) -> bytes:
    extensions = [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": ca}},
        {
            "extn_id": "key_usage",
            "critical": True,
            "extn_value": {"key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"},
        },
        {"extn_id": "key_identifier", "critical": False, "extn_value": _key_id(public)},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": _key_id(issuer_public)},
        },
    ]
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": int.from_bytes(secrets.token_bytes(16), "big") >> 1,
            "signature": {"algorithm": OID_GOST_256_WITH_STREEBOG},
            "issuer": issuer,
            "validity": {
                "not_before": x509.Time(name="utc_time", value=not_before),
                "not_after": x509.Time(name="utc_time", value=not_after),
            },
            "subject": subject,
            "subject_public_key_info": _spki(public),
            "extensions": extensions,
        }
    )
    signature = gost_sign(issuer_private, tbs.dump())
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": OID_GOST_256_WITH_STREEBOG},
            "signature_value": signature,
        }
    ).dump()


@dataclass(frozen=True)
class DemoHead:
    """Who the demo head's certificate is issued to."""

    surname: str
    given_names: str
    title: str
    organization: str
    snils: str
    inn: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.given_names}"


@dataclass(frozen=True)
class DemoPki:
    ca_der: bytes
    head_der: bytes
    head_key: bytes  # 32 bytes, big-endian


def make_pki(head: DemoHead, *, now: datetime | None = None) -> DemoPki:
    """A self-signed demo CA and the head's certificate issued by it, valid from yesterday for three years."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    not_before, not_after = now - timedelta(days=1), now + VALIDITY
    ca_key, head_key = new_private_key(), new_private_key()
    ca_public, head_public = public_key(ca_key), public_key(head_key)
    ca_name = _name(common_name=CA_NAME, organization="Портал ШНОР (демонстрация)")
    ca_der = _certificate(
        subject=ca_name,
        issuer=ca_name,
        public=ca_public,
        issuer_public=ca_public,
        issuer_private=ca_key,
        ca=True,
        not_before=not_before,
        not_after=not_after + timedelta(days=365),
    )
    head_der = _certificate(
        subject=_name(
            common_name=head.full_name,
            organization=head.organization,
            surname=head.surname,
            given_name=head.given_names,
            title=head.title,
            snils=head.snils,
            inn=head.inn,
        ),
        issuer=ca_name,
        public=head_public,
        issuer_public=ca_public,
        issuer_private=ca_key,
        ca=False,
        not_before=not_before,
        not_after=not_after,
    )
    return DemoPki(ca_der=ca_der, head_der=head_der, head_key=head_key)


def private_key_pem(private: bytes) -> bytes:
    """The key as PKCS#8 PEM («PRIVATE KEY»), as OpenSSL's GOST engine reads and writes it."""
    info = _PrivateKeyInfo(
        {
            "version": 0,
            "private_key_algorithm": {
                "algorithm": OID_GOST_256,
                "parameters": _GostKeyParameters(
                    {"public_key_param_set": OID_PARAMSET, "digest_param_set": OID_STREEBOG_256}
                ),
            },
            "private_key": core.OctetString(private[::-1]).dump(),
        }
    )
    return pem.armor("PRIVATE KEY", info.dump())


def private_key_from_pem(data: bytes) -> bytes:
    _kind, _headers, der = pem.unarmor(data)
    info = _PrivateKeyInfo.load(der)
    inner = core.load(info["private_key"].native)
    value = inner.native
    if isinstance(value, int):  # some writers put an INTEGER
        return value.to_bytes(SIZE, "big")
    return bytes(value)[::-1]


def sign_detached(
    content: bytes, *, cert_der: bytes, private: bytes, signing_time: datetime | None = None
) -> bytes:
    """A detached CAdES-BES (ETSI EN 319 122-1) of ``content``: SignedData without the content, the signer's
    certificate, and the signed attributes contentType, signingTime, messageDigest (Streebog-256) and
    signingCertificateV2 (RFC 5035, the certificate's Streebog-256 hash). DER."""
    cert = x509.Certificate.load(cert_der)
    moment = (signing_time or datetime.now(UTC)).replace(microsecond=0)
    streebog = algos.DigestAlgorithm({"algorithm": OID_STREEBOG_256})
    signing_certificate = {
        "certs": [
            {
                "hash_algorithm": streebog,
                "cert_hash": streebog256(cert_der),
                "issuer_serial": {
                    "issuer": [x509.GeneralName(name="directory_name", value=cert.issuer)],
                    "serial_number": cert.serial_number,
                },
            }
        ]
    }
    attributes = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["data"]},
            {"type": "signing_time", "values": [cms.Time(name="utc_time", value=moment)]},
            {"type": "message_digest", "values": [streebog256(content)]},
            {"type": "signing_certificate_v2", "values": [signing_certificate]},
        ]
    )
    # RFC 5652 §5.4: the signature is over the DER of the attributes as a SET OF (tag 0x31), not the [0] field.
    signature = gost_sign(private, attributes.dump())
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": cert.issuer, "serial_number": cert.serial_number},
            ),
            "digest_algorithm": streebog,
            "signed_attrs": attributes,
            "signature_algorithm": {"algorithm": OID_GOST_256},
            "signature": signature,
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


def write_pki(directory: Path, pki: DemoPki) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CA_FILE).write_bytes(pki.ca_der)
    (directory / HEAD_CERT_FILE).write_bytes(pki.head_der)
    key_path = directory / HEAD_KEY_FILE
    key_path.write_bytes(b"")
    key_path.chmod(0o600)  # a throwaway demo key, yet a private key: not world-readable
    key_path.write_bytes(private_key_pem(pki.head_key))


def read_pki(directory: Path) -> DemoPki:
    """The demo PKI written by load_demo; OSError when it has not been made."""
    return DemoPki(
        ca_der=(directory / CA_FILE).read_bytes(),
        head_der=(directory / HEAD_CERT_FILE).read_bytes(),
        head_key=private_key_from_pem((directory / HEAD_KEY_FILE).read_bytes()),
    )
