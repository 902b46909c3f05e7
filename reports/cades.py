"""Verification of a detached CAdES-BES signature (the head's КЭП) in ГОСТ Р 34.10-2012 / ГОСТ Р 34.11-2012.

Pure: bytes in, a ``Verdict`` out. No Django, no ORM, no network: a view, a service, the command and the tests
call it alike. See docs/adr/0001-gost-verification.md for the choice of implementation and the measured figures.

What is checked (RFC 5652 CMS, RFC 4491 / RFC 9215 for GOST in CMS and X.509):
- the CMS is SignedData; the signer's certificate is found by its ``sid`` among the CMS certificates;
- digest ГОСТ Р 34.11-2012 («Стрибог», 256/512) and signature ГОСТ Р 34.10-2012 (256/512), else "not_gost";
- the signed attributes: contentType, messageDigest == Streebog(content) (else "other_file"), signingTime (the
  moment of signing as the signer's tool stated it), signingCertificate(V2) when present must name this
  certificate; the signature is over the DER of the signed attributes re-tagged as SET OF (RFC 5652 §5.4), or over
  the content's digest when there are none;
- the chain: signer → intermediates → a trust root (by issuer name and AKI/SKI), every certificate's signature,
  and every certificate valid at the moment of signing. 63-ФЗ «Об электронной подписи», ст. 11, п. 2: a qualified
  signature is recognised when «квалифицированный сертификат действителен на момент подписания электронного
  документа (при наличии достоверной информации о моменте подписания электронного документа) или на день проверки
  действительности указанного сертификата, если момент подписания электронного документа не определен». The
  moment is the signingTime attribute when present, else the time of verification.
- Revocation (CRL/OCSP) is NOT checked: the verifier works without network; ``Verdict.notes`` says so.

Byte order, established against OpenSSL's GOST engine (tests/reports/test_cades.py signs with every parameter
set it can generate) and stated in RFC 4491 §2.2.1-2.2.2 / RFC 9215 §3-4:
- the public key in the certificate is an OCTET STRING of X||Y, each coordinate little-endian;
- the signature value (in a SignerInfo and in a certificate) is s||r, each big-endian;
- the digest H is read as a little-endian number (ГОСТ Р 34.10-2012 §6.1 step 2: α = the number whose binary
  representation is H, with the hash's byte order of ГОСТ Р 34.11-2012).
gostcrypto takes X||Y, r||s and the digest all big-endian, hence the reversals in ``_gost_verify``.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import ctypes.util
import dataclasses
import functools
import hashlib
import hmac
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asn1crypto.tsp  # noqa: F401 — registers the CMS attributes signingCertificate(V2) (RFC 2634, 5035)
from asn1crypto import cms, core, pem, x509
from gostcrypto import gosthash, gostsignature
from gostcrypto.gostsignature.gost_34_10_2012 import GOST34102012

from .verdict_text import certificate_json, signer_json

logger = logging.getLogger(__name__)

MOSCOW = ZoneInfo("Europe/Moscow")

# A detached CAdES-BES with a chain of three certificates is ~5-10 KB; an attached one carries the document
# (a 20-page справка is under 1 MB). 10 MB is far beyond either and keeps a pasted file from eating memory.
MAX_SIGNATURE_BYTES = 10 * 1024 * 1024
MAX_CHAIN = 8  # path length guard: real qualified chains are 2-3 certificates (Минцифры → УЦ → владелец)
# Work guards against a crafted file on the open verification page (each GOST check is ~0.05-0.3 s of pure Python):
MAX_SIGNATURE_CHECKS = 32  # certificate signatures checked in one path search (a real chain needs 2-3)
MAX_CERTIFICATES = 50  # certificates read from one CMS (a real one carries 1-4)
MAX_SIGNERS = 8  # SignerInfos verified in one CMS (a document carries one, seldom two or three)

# --------------------------------------------------------------------------- OIDs

OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"
OID_SIGNING_CERT = "1.2.840.113549.1.9.16.2.12"
OID_SIGNING_CERT_V2 = "1.2.840.113549.1.9.16.2.47"

# ГОСТ Р 34.11-2012 (RFC 6986; identifiers of RFC 9215 §2 / Р 1323565.1.024-2019)
OID_STREEBOG_256 = "1.2.643.7.1.1.2.2"
OID_STREEBOG_512 = "1.2.643.7.1.1.2.3"
# ГОСТ Р 34.10-2012 public keys; CryptoPro writes these in SignerInfo.signatureAlgorithm too
OID_GOST_256 = "1.2.643.7.1.1.1.1"
OID_GOST_512 = "1.2.643.7.1.1.1.2"
# signature-with-digest identifiers (RFC 9215 §3)
OID_GOST_256_WITH_STREEBOG = "1.2.643.7.1.1.3.2"
OID_GOST_512_WITH_STREEBOG = "1.2.643.7.1.1.3.3"

GOST_KEY_SIZE = {OID_GOST_256: 32, OID_GOST_512: 64}
GOST_SIGNATURE_SIZE = {
    OID_GOST_256: 32,
    OID_GOST_256_WITH_STREEBOG: 32,
    OID_GOST_512: 64,
    OID_GOST_512_WITH_STREEBOG: 64,
}
STREEBOG_SIZE = {OID_STREEBOG_256: 32, OID_STREEBOG_512: 64}
# The hash of the signer's certificate in signingCertificateV2 (RFC 5035 §5.4; its default is SHA-256): Streebog
# (ГОСТ Р 34.11-2012) or SHA-2. A weak or unknown one (MD5, SHA-1, …) binds nothing: the signature is refused.
CERT_HASH_SHA2 = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
# RFC 5280 §4.2: a certificate with a critical extension the verifier does not process must be rejected. These
# are the ones processed here: basicConstraints and keyUsage (the path and the signer's key), the rest only carry
# what the verdict shows or names the certificate (extKeyUsage, certificatePolicies — the classes of ФСБ
# № 795 — and the alternative names); the key identifiers only pick issuers. nameConstraints, policyConstraints,
# policyMappings, inhibitAnyPolicy are not processed, so a certificate marking them critical is not trusted.
PROCESSED_CRITICAL = frozenset(
    {
        "basic_constraints",
        "key_usage",
        "extended_key_usage",
        "certificate_policies",
        "subject_alt_name",
        "issuer_alt_name",
        "key_identifier",
        "authority_key_identifier",
    }
)

# Parameter set of the public key → gostcrypto's curve. The TC26 sets are those of Р 1323565.1.024-2019 (RFC 7836
# Appendix A); the CryptoPro sets of ГОСТ Р 34.10-2001 (RFC 4357 §11.4), still carried by most certificates (the
# Federal Treasury's among them), are the same curves: CryptoPro-A = XchA = tc26 256 paramSetB, CryptoPro-B =
# paramSetC, CryptoPro-C = XchB = paramSetD (RFC 4357 §11.4's constants are those of the TC26 sets).
# Each mapping is checked against a key OpenSSL's engine generated with that set (tests/reports/test_cades.py):
# the signature verifies on the mapped curve only.
CURVES = {
    "1.2.643.7.1.2.1.1.1": "id-tc26-gost-3410-2012-256-paramSetA",
    "1.2.643.7.1.2.1.1.2": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.7.1.2.1.1.3": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.7.1.2.1.1.4": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.2.2.35.1": "id-tc26-gost-3410-2012-256-paramSetB",  # CryptoPro-A
    "1.2.643.2.2.35.2": "id-tc26-gost-3410-2012-256-paramSetC",  # CryptoPro-B
    "1.2.643.2.2.35.3": "id-tc26-gost-3410-2012-256-paramSetD",  # CryptoPro-C
    "1.2.643.2.2.36.0": "id-tc26-gost-3410-2012-256-paramSetB",  # CryptoPro-XchA
    "1.2.643.2.2.36.1": "id-tc26-gost-3410-2012-256-paramSetD",  # CryptoPro-XchB
    "1.2.643.7.1.2.1.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.2": "id-tc26-gost-3410-12-512-paramSetB",
    "1.2.643.7.1.2.1.2.3": "id-tc26-gost-3410-2012-512-paramSetC",
}

# Subject attributes of a qualified certificate: Требования к форме квалифицированного сертификата (Приказ ФСБ
# России от 27.12.2011 № 795, в ред. приказа № 31 от 29.01.2021, which added ИНН ЮЛ) name СНИЛС, ИНН, ОГРН and
# ИНН ЮЛ by these OIDs as NumericString; the X.520 ones (SN, G, title, O, CN) are RFC 5280 / X.520.
OID_CN = "2.5.4.3"
OID_SURNAME = "2.5.4.4"
OID_GIVEN_NAME = "2.5.4.42"
OID_TITLE = "2.5.4.12"
OID_ORGANIZATION = "2.5.4.10"
OID_SNILS = "1.2.643.100.3"
OID_INN = "1.2.643.3.131.1.1"
OID_INN_LE = "1.2.643.100.4"
OID_OGRN = "1.2.643.100.1"

_HASH_NAMES = {
    "1.3.14.3.2.26": "SHA-1",
    "2.16.840.1.101.3.4.2.1": "SHA-256",
    "2.16.840.1.101.3.4.2.2": "SHA-384",
    "2.16.840.1.101.3.4.2.3": "SHA-512",
    "1.2.643.2.2.9": "ГОСТ Р 34.11-94",
    OID_STREEBOG_256: "ГОСТ Р 34.11-2012",
    OID_STREEBOG_512: "ГОСТ Р 34.11-2012",
}
_KEY_NAMES = {
    "1.2.840.113549.1.1.1": "RSA",
    "1.2.840.10045.2.1": "ECDSA",
    "1.2.840.10040.4.1": "DSA",
    "1.2.643.2.2.19": "ГОСТ Р 34.10-2001",
    "1.3.101.112": "Ed25519",
}

# --------------------------------------------------------------------------- messages

PROBLEM_REASONS = {
    "unreadable": "Файл подписи повреждён: его не удаётся прочитать.",
    "no_signer_cert": "В файле подписи нет сертификата подписанта, поэтому подпись нельзя проверить.",
    "not_gost": "Подпись сделана не по российским стандартам ГОСТ Р 34.10-2012 и ГОСТ Р 34.11-2012, "
    "как требуется для квалифицированной электронной подписи.",
    "other_file": "Подписан другой файл: документ не совпадает с тем, что был подписан, "
    "или изменён после подписания.",
    "bad_signature": "Подпись повреждена: она не сходится с ключом из сертификата подписанта.",
    "expired": "Срок действия сертификата истёк до момента подписания.",
    "not_yet_valid": "Срок действия сертификата на момент подписания ещё не начался.",
    "untrusted": "Сертификат выдан удостоверяющим центром, которого нет среди доверенных.",
}
REASON_CERT_HASH = (
    "Сертификат подписанта указан в подписи хэшем по алгоритму {name}, который не допускается (нужен ГОСТ Р "
    "34.11-2012 или SHA-256, SHA-384, SHA-512): подпись не связана с сертификатом надёжно и не принимается."
)
REASON_CRITICAL = (
    "Сертификат «{subject}» содержит критическое расширение ({names}), которое проверка не обрабатывает: "
    "по RFC 5280 такой сертификат не принимается."
)
SUMMARY_UNREADABLE = "Подпись не удаётся прочитать: файл подписи повреждён."
SUMMARY_NO_CERT = "Подпись не проверена: в файле подписи нет сертификата подписанта."
SUMMARY_NOT_GOST = "Подпись сделана не по ГОСТ: это не квалифицированная электронная подпись."
SUMMARY_CHANGED = "Документ изменён после подписания."
SUMMARY_BROKEN = "Подпись повреждена и недействительна."
SUMMARY_EXPIRED = "Подпись верна, но срок действия сертификата подписанта истёк до подписания."
SUMMARY_NOT_YET_VALID = "Подпись верна, но сертификат подписанта на момент подписания ещё не действовал."
SUMMARY_UNTRUSTED = "Подпись верна, но сертификат выдан не доверенным удостоверяющим центром."
NOTE_NO_REVOCATION = "Отзыв сертификата не проверялся: проверка выполняется без обращения к сети."
NOTE_NO_TIME = "Время подписания в подписи не указано: срок действия сертификата проверен на момент проверки."
NOTE_ATTACHED = "Подпись присоединённая: подписанный документ находится внутри файла подписи."


class SignatureUnreadable(ValueError):
    """The bytes are not a CMS signature at all; the message is Russian and fit for the user."""


# --------------------------------------------------------------------------- Streebog


class _OpenSSLStreebog:
    """ГОСТ Р 34.11-2012 through OpenSSL's GOST provider (Debian ``libengine-gost-openssl``: gostprov.so).

    gostcrypto's pure-Python Streebog costs ~5 s per MB; the provider hashes a 20-page PDF in milliseconds. The
    provider is loaded into a *private* library context (``OSSL_LIB_CTX_new``), never into the default one: the
    rest of the process (hashlib, ssl, psycopg, redis) sees no new algorithm and no changed default. Loaded once,
    lazily, under a lock; any failure leaves ``available`` False and the pure-Python path is used."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False
        self._lib: ctypes.CDLL | None = None
        self._md: dict[int, int] = {}

    def _load(self) -> None:
        name = ctypes.util.find_library("crypto")
        if not name:
            return
        lib = ctypes.CDLL(name)
        if not hasattr(lib, "OSSL_LIB_CTX_new"):  # OpenSSL 1.1 has no providers
            return
        lib.OSSL_LIB_CTX_new.restype = ctypes.c_void_p
        lib.OSSL_LIB_CTX_new.argtypes = []
        lib.OSSL_PROVIDER_load.restype = ctypes.c_void_p
        lib.OSSL_PROVIDER_load.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.EVP_MD_fetch.restype = ctypes.c_void_p
        lib.EVP_MD_fetch.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.EVP_Digest.restype = ctypes.c_int
        lib.EVP_Digest.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        context = lib.OSSL_LIB_CTX_new()
        if not context or not lib.OSSL_PROVIDER_load(context, b"gostprov"):
            return
        md = {
            32: lib.EVP_MD_fetch(context, b"md_gost12_256", None),
            64: lib.EVP_MD_fetch(context, b"md_gost12_512", None),
        }
        if not all(md.values()):
            return
        self._lib, self._md = lib, md

    @property
    def available(self) -> bool:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    try:
                        self._load()
                    except (OSError, AttributeError):
                        logger.info(
                            "GOST provider not loaded; Streebog falls back to gostcrypto", exc_info=True
                        )
                    self._loaded = True
        return self._lib is not None

    def digest(self, data: bytes, size: int) -> bytes:
        if self._lib is None:
            raise RuntimeError("the GOST provider is not loaded")
        out = ctypes.create_string_buffer(64)
        length = ctypes.c_uint(0)
        # EVP_Digest reads `data` in place: bytes are passed to c_char_p without a copy.
        if self._lib.EVP_Digest(bytes(data), len(data), out, ctypes.byref(length), self._md[size], None) != 1:
            raise RuntimeError("EVP_Digest failed")
        return out.raw[: length.value]


_openssl = _OpenSSLStreebog()


def streebog_available_in_openssl() -> bool:
    """Whether the fast path (OpenSSL's GOST provider) is in use."""
    return _openssl.available


def _streebog(data: bytes, size: int, *, pure: bool = False) -> bytes:
    if not pure and _openssl.available:
        return _openssl.digest(data, size)
    return bytes(gosthash.new("streebog256" if size == 32 else "streebog512", data=bytes(data)).digest())


def streebog256(data: bytes, *, pure: bool = False) -> bytes:
    """ГОСТ Р 34.11-2012, 256-bit hash of ``data`` (the byte order of the standard's examples reversed, as
    OpenSSL, gostcrypto and CMS all write it). ``pure`` forces gostcrypto (for the tests comparing both)."""
    return _streebog(data, 32, pure=pure)


def streebog512(data: bytes, *, pure: bool = False) -> bytes:
    """ГОСТ Р 34.11-2012, 512-bit hash of ``data``; see ``streebog256``."""
    return _streebog(data, 64, pure=pure)


# --------------------------------------------------------------------------- ASN.1 helpers


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _SubjectPublicKeyInfo(core.Sequence):
    # asn1crypto's own PublicKeyInfo refuses GOST keys (it looks the algorithm up in a table to parse the key),
    # so the certificate's key is re-read with this generic shape.
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.BitString)]


class _GostKeyParameters(core.Sequence):
    # RFC 9215 §4: GostR3410-2012-PublicKeyParameters
    _fields = [
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


def _text(value) -> str:
    """Any ASN.1 string (UTF8String, PrintableString, NumericString, BMPString, a DirectoryString choice, or a
    value asn1crypto left as Any for an OID it does not know) as str."""
    try:
        native = core.load(value.dump()).native
    except (ValueError, TypeError):
        return ""
    if isinstance(native, bytes):
        return native.decode("utf-8", "replace")
    return str(native) if native is not None else ""


def _name_attributes(name: x509.Name) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for rdn in name.chosen:
        for attribute in rdn:
            result.setdefault(attribute["type"].dotted, []).append(_text(attribute["value"]).strip())
    return result


def _first(attributes: dict[str, list[str]], oid: str) -> str:
    return ", ".join(value for value in attributes.get(oid, ()) if value)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _present(value) -> bool:
    """Whether an OPTIONAL field is there (without ``.native``, which would parse everything below it — and
    asn1crypto cannot parse a GOST public key)."""
    return not isinstance(value, core.Void)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class CertificateInfo:
    der: bytes = field(repr=False)
    subject_name: str  # «Иванов Иван Иванович»: SN + G when present, else CN
    surname: str
    given_names: str
    snils: str  # 11 digits or ""
    inn: str  # personal ИНН (1.2.643.3.131.1.1) or ""
    inn_le: str  # ИНН ЮЛ (1.2.643.100.4) or ""
    ogrn: str  # 1.2.643.100.1 or ""
    title: str  # 2.5.4.12
    organization: str  # O
    serial: str  # hex, upper case, no separators
    issuer: str  # issuer CN (or O) for display
    not_before: datetime
    not_after: datetime
    algorithm: str  # «ГОСТ Р 34.10-2012, 256 бит» / «RSA» …
    is_gost: bool
    sha256: str  # fingerprint, hex
    common_name: str = ""

    @property
    def short_name(self) -> str:
        """«Иванов И. И.»: the surname and initials, as a signature is named in Russian office papers."""
        return short_name(self.surname, self.given_names) or self.subject_name


def short_name(surname: str, given_names: str) -> str:
    if not surname:
        return ""
    initials = " ".join(f"{part[0]}." for part in given_names.split() if part)
    return f"{surname} {initials}".strip()


@dataclass
class _Cert:
    """A parsed certificate with what verification needs."""

    asn1: x509.Certificate
    der: bytes
    info: CertificateInfo
    subject_key: str  # normalised subject name (asn1crypto's RFC 5280 comparison form)
    issuer_key: str
    ski: bytes | None
    aki: bytes | None
    key_oid: str
    curve: str | None  # gostcrypto curve name for a GOST key
    public_key: bytes  # GOST: X||Y as in the certificate (little-endian coordinates)


def _algorithm_words(key_oid: str, key_size: int | None) -> str:
    if key_oid in GOST_KEY_SIZE:
        return f"ГОСТ Р 34.10-2012, {GOST_KEY_SIZE[key_oid] * 8} бит"
    name = _KEY_NAMES.get(key_oid)
    if name and key_size:
        return f"{name}, {key_size} бит"
    return name or f"неизвестный алгоритм ({key_oid})"


def _load_cert(data: bytes) -> _Cert:
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return _load_der(bytes(data))


@functools.lru_cache(maxsize=256)
def _load_der(data: bytes) -> _Cert:
    """Parsed once per process: the УЦ and root certificates come with every signature, and asn1crypto's
    normalised name (``hashable``) costs ~10 ms a certificate. Nothing in a ``_Cert`` is changed after."""
    asn1 = x509.Certificate.load(data, strict=True)
    tbs = asn1["tbs_certificate"]
    spki = _SubjectPublicKeyInfo.load(tbs["subject_public_key_info"].dump())
    key_oid = spki["algorithm"]["algorithm"].dotted
    curve = None
    public_key = b""
    key_size = None
    if key_oid in GOST_KEY_SIZE:
        parameters = _GostKeyParameters.load(spki["algorithm"]["parameters"].dump())
        curve = CURVES.get(parameters["public_key_param_set"].dotted)
        public_key = core.OctetString.load(bytes(spki["public_key"].contents[1:])).native
    elif key_oid == "1.2.840.113549.1.1.1":
        key_size = asn1.public_key["public_key"].parsed["modulus"].native.bit_length()
    subject = _name_attributes(tbs["subject"])
    issuer = _name_attributes(tbs["issuer"])
    surname = _first(subject, OID_SURNAME)
    given = _first(subject, OID_GIVEN_NAME)
    common_name = _first(subject, OID_CN)
    inn = _digits(_first(subject, OID_INN))
    inn_le = _digits(_first(subject, OID_INN_LE))
    # Before Приказ ФСБ № 795 was amended (№ 31, 2021), the organisation's 10-digit ИНН went into the ИНН attribute
    # padded to 12 digits with "00"; a personal ИНН never starts with "00".
    if len(inn) == 12 and inn.startswith("00") and not inn_le:
        inn, inn_le = "", inn[2:]
    validity = tbs["validity"]
    der = asn1.dump()
    info = CertificateInfo(
        der=der,
        subject_name=f"{surname} {given}".strip() if surname and given else common_name or surname,
        surname=surname,
        given_names=given,
        snils=_digits(_first(subject, OID_SNILS)),
        inn=inn,
        inn_le=inn_le,
        ogrn=_digits(_first(subject, OID_OGRN)),
        title=_first(subject, OID_TITLE),
        organization=_first(subject, OID_ORGANIZATION),
        serial=tbs["serial_number"].contents.hex().upper(),
        issuer=_first(issuer, OID_CN) or _first(issuer, OID_ORGANIZATION),
        not_before=_aware(validity["not_before"].native),
        not_after=_aware(validity["not_after"].native),
        algorithm=_algorithm_words(key_oid, key_size),
        is_gost=key_oid in GOST_KEY_SIZE,
        sha256=hashlib.sha256(der).hexdigest(),
        common_name=common_name,
    )
    return _Cert(
        asn1=asn1,
        der=der,
        info=info,
        subject_key=tbs["subject"].hashable,
        issuer_key=tbs["issuer"].hashable,
        ski=asn1.key_identifier,
        aki=asn1.authority_key_identifier,
        key_oid=key_oid,
        curve=curve,
        public_key=public_key,
    )


def parse_certificate(data: bytes) -> CertificateInfo:
    """A certificate (DER or PEM) as ``CertificateInfo``. Raises ``SignatureUnreadable`` when it is not one."""
    try:
        cert = _load_cert(bytes(data))
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError… on damaged input
        raise SignatureUnreadable("Файл не является сертификатом X.509 (ожидается DER или PEM).") from exc
    return cert.info


def _load_cert_blobs(blobs: Sequence[bytes], *, what: str) -> list[_Cert]:
    result = []
    for blob in blobs:
        chunks = [der for _, _, der in pem.unarmor(blob, multiple=True)] if pem.detect(blob) else [blob]
        for chunk in chunks:
            try:
                result.append(_load_cert(chunk))
            except Exception:
                # A damaged root is the portal's configuration, checked when it is uploaded; here it only
                # cannot vouch for anything.
                logger.warning("cades: %s certificate cannot be read; ignored", what, exc_info=True)
    return result


# --------------------------------------------------------------------------- GOST signature math


class _Gost34102012(GOST34102012):
    """gostcrypto's ГОСТ Р 34.10-2012 with two helpers done by CPython's C code, the formulas left as they are:
    the modular inverse by ``pow(x, -1, p)`` instead of a recursive extended Euclid written in Python (75 % of
    the verification time), and the point equality in the addition by ``==`` instead of a constant-time byte
    comparison (verification handles no secret). A 512-bit verification goes from ~1.2 s to ~0.3 s on this
    machine; the signing path is not used."""

    @staticmethod
    def _invert(value: int, n_mod: int) -> int:
        return pow(value, -1, n_mod)  # ValueError when not invertible: caught by _gost_verify

    def _add(self, x_1: int, x_2: int, y_1: int, y_2: int) -> tuple[int, int]:
        p = self._p
        if x_1 == x_2 and y_1 == y_2:
            grad = (3 * x_1 * x_1 + self._a) * self._invert(2 * y_1, p) % p
        else:
            grad = ((y_2 - y_1) % p) * self._invert((x_2 - x_1) % p, p) % p
        x_3 = (grad * grad - x_1 - x_2) % p
        y_3 = (grad * (x_1 - x_3) - y_1) % p
        return x_3, y_3


_SIGNERS: dict[tuple[str, int], object] = {}
_SIGNERS_LOCK = threading.Lock()


def _gost(curve: str, size: int):
    key = (curve, size)
    if key not in _SIGNERS:
        with _SIGNERS_LOCK:
            mode = gostsignature.MODE_256 if size == 32 else gostsignature.MODE_512
            _SIGNERS[key] = _Gost34102012(mode, gostsignature.CURVES_R_1323565_1_024_2019[curve])
    return _SIGNERS[key]


def _gost_verify(cert: _Cert, digest: bytes, signature: bytes) -> bool:
    """ГОСТ Р 34.10-2012 verification of ``signature`` (s||r, big-endian: RFC 4491 §2.2.2) over ``digest``
    (little-endian number) with the key of ``cert`` (X||Y little-endian: RFC 4491 §2.3.2). gostcrypto wants
    r||s, X||Y and the digest big-endian."""
    size = GOST_KEY_SIZE.get(cert.key_oid)
    if size is None or cert.curve is None:
        return False
    if len(cert.public_key) != 2 * size or len(signature) != 2 * size or len(digest) != size:
        return False
    key = cert.public_key[:size][::-1] + cert.public_key[size:][::-1]
    r_s = signature[size:] + signature[:size]
    try:
        return bool(_gost(cert.curve, size).verify(bytearray(key), bytearray(digest[::-1]), bytearray(r_s)))
    except Exception:  # gostcrypto raises GOSTSignatureError on a point off the curve and the like
        return False


_CERT_SIGNATURES: dict[tuple[str, str], bool] = {}
_CERT_SIGNATURES_MAX = 512


def _issued_by(cert: _Cert, issuer: _Cert) -> bool:
    """Whether ``issuer``'s key signed ``cert``. Cached by both fingerprints: the CA certificates of a chain
    repeat from one verification to the next, and a 512-bit check costs ~0.4 s in pure Python."""
    key = (cert.info.sha256, issuer.info.sha256)
    cached = _CERT_SIGNATURES.get(key)
    if cached is not None:
        return cached
    algorithm = cert.asn1["signature_algorithm"]["algorithm"].dotted
    size = GOST_SIGNATURE_SIZE.get(algorithm)
    result = False
    if size is not None and GOST_KEY_SIZE.get(issuer.key_oid) == size:
        tbs = cert.asn1["tbs_certificate"].dump()
        result = _gost_verify(issuer, _streebog(tbs, size), cert.asn1["signature_value"].native)
    if len(_CERT_SIGNATURES) >= _CERT_SIGNATURES_MAX:
        _CERT_SIGNATURES.clear()
    _CERT_SIGNATURES[key] = result
    return result


# --------------------------------------------------------------------------- loading the signature

_PEM = re.compile(
    rb"-----BEGIN (CMS|PKCS7|PKCS #7 SIGNED DATA|SIGNATURE)-----(.*?)-----END \1-----",
    re.DOTALL,
)
_BASE64 = re.compile(rb"^[A-Za-z0-9+/=\s]+$")


def _signed_data(der: bytes) -> cms.ContentInfo:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].dotted != OID_SIGNED_DATA:
        raise SignatureUnreadable("Файл не является электронной подписью: в нём не подписанные данные CMS.")
    signed = info["content"]
    if len(signed["signer_infos"]) == 0:
        raise SignatureUnreadable("В файле подписи нет ни одной подписи.")
    return info


def load_signature(data: bytes) -> bytes:
    """DER of a CMS ContentInfo (SignedData) from DER, base64 (with or without line breaks) or PEM
    (-----BEGIN CMS----- / PKCS7 / SIGNATURE -----). Raises ``SignatureUnreadable`` with a Russian message."""
    data = bytes(data)
    if not data.strip():
        raise SignatureUnreadable("Файл подписи пуст.")
    if len(data) > MAX_SIGNATURE_BYTES:
        raise SignatureUnreadable(
            f"Файл подписи слишком большой ({len(data) // (1024 * 1024)} МБ): "
            "подпись документа занимает обычно несколько килобайт."
        )
    if b"%PDF-" in data[:1024] and data[:1] != b"\x30":  # an attached CMS carries a PDF near its start
        raise SignatureUnreadable("Это PDF-документ, а не файл подписи: выберите файл .sig.")
    candidates: list[bytes] = []  # DER candidates, most likely first
    if data[:1] == b"\x30":
        candidates.append(data)
    match = _PEM.search(data)
    # PEM may carry headers ("Key: value") before the base64 body
    text = b"\n".join(line for line in match.group(2).splitlines() if b":" not in line) if match else data
    if match or _BASE64.match(data):
        try:
            candidates.append(base64.b64decode(b"".join(text.split()), validate=True))
        except (binascii.Error, ValueError):
            pass
    for der in candidates:
        try:
            info = _signed_data(der)
            # Touch the structure: asn1crypto parses lazily, so damage shows only on access.
            for signer in info["content"]["signer_infos"]:
                _ = signer["sid"].chosen, signer["signature"].native
            return info.dump()
        except SignatureUnreadable:
            raise
        except Exception:  # asn1crypto raises ValueError, TypeError, KeyError… on damaged input
            logger.debug("cades: candidate is not a CMS SignedData", exc_info=True)
    raise SignatureUnreadable(
        "Файл не является электронной подписью: ожидается подпись CMS (.sig) в виде DER, base64 или PEM."
    )


# --------------------------------------------------------------------------- the verdict


@dataclass(frozen=True)
class Verdict:
    signature_valid: bool  # the GOST signature over the signed attributes (or content) holds
    intact: bool  # messageDigest == Streebog(content)
    trusted: bool  # chain to a trust root; every certificate valid at signed_at (or now when absent)
    gost: bool  # ГОСТ Р 34.10-2012 with Streebog
    algorithm: str  # words
    signer: CertificateInfo | None
    chain: tuple[CertificateInfo, ...]  # signer first, root last (when found)
    signed_at: datetime | None  # signingTime attribute (aware)
    problems: tuple[str, ...]  # codes, see PROBLEM_REASONS
    reasons: tuple[str, ...]  # one Russian sentence per problem
    summary: str  # one lay sentence
    notes: tuple[str, ...] = ()  # what was not checked or is worth knowing (revocation, attached content)
    attached: bool = False  # the signature carries the content (eContent) instead of being detached
    cosigners: tuple[Verdict, ...] = ()  # verdicts on further SignerInfos; the verdict above is the first's

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.intact and self.trusted

    def as_json(self) -> dict:
        signer = self.signer
        data = {
            "signature_valid": self.signature_valid,
            "intact": self.intact,
            "trusted": self.trusted,
            "algorithm": self.algorithm,
            "signer": None
            if signer is None
            else signer_json(
                name=signer.subject_name,
                snils=signer.snils,
                inn=signer.inn,
                title=signer.title,
                organization=signer.organization,
            ),
            "certificate": None
            if signer is None
            else certificate_json(
                serial=signer.serial,
                issuer=signer.issuer,
                not_before=signer.not_before.isoformat(),
                not_after=signer.not_after.isoformat(),
            ),
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "summary": self.summary,
            "reasons": list(self.reasons),
            "problems": list(self.problems),
            "notes": list(self.notes),
        }
        if self.attached:
            data["attached"] = True
        if self.cosigners:
            data["cosigners"] = [cosigner.as_json() for cosigner in self.cosigners]
        return data


def _fmt_date(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y")


def _summary(problems: Sequence[str], signer: CertificateInfo | None, signed_at: datetime | None) -> str:
    first = {
        "unreadable": SUMMARY_UNREADABLE,
        "no_signer_cert": SUMMARY_NO_CERT,
        "not_gost": SUMMARY_NOT_GOST,
        "other_file": SUMMARY_CHANGED,
        "bad_signature": SUMMARY_BROKEN,
        "expired": SUMMARY_EXPIRED,
        "not_yet_valid": SUMMARY_NOT_YET_VALID,
        "untrusted": SUMMARY_UNTRUSTED,
    }
    for code, sentence in first.items():
        if code in problems:
            return sentence
    if signer is None:
        return SUMMARY_NO_CERT
    parts = [signer.short_name]
    if signer.title:
        parts.append(signer.title[:1].lower() + signer.title[1:])
    if signed_at is not None:
        parts.append(_fmt_date(signed_at))
    return f"Документ подписан: {', '.join(parts)}, и с тех пор не изменён."


def _failed(code: str, *, algorithm: str = "", signer: CertificateInfo | None = None) -> Verdict:
    return Verdict(
        signature_valid=False,
        intact=False,
        trusted=False,
        gost=False,
        algorithm=algorithm,
        signer=signer,
        chain=(signer,) if signer else (),
        signed_at=None,
        problems=(code,),
        reasons=(PROBLEM_REASONS[code],),
        summary=_summary((code,), signer, None),
        notes=(),
    )


def _find_signer(sid: cms.SignerIdentifier, certs: Sequence[_Cert]) -> _Cert | None:
    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"].hashable
        serial = sid.chosen["serial_number"].native
        for cert in certs:
            if cert.issuer_key == issuer and cert.asn1.serial_number == serial:
                return cert
    else:
        ski = sid.chosen.native
        for cert in certs:
            if cert.ski == ski:
                return cert
    return None


def _may_issue(cert: _Cert) -> bool:
    usage = cert.asn1.key_usage_value
    return bool(cert.asn1.ca) and (usage is None or "key_cert_sign" in usage.native)


def _fit_for_signing(cert: _Cert) -> bool:
    """keyUsage, when present, allows signing documents (digitalSignature or nonRepudiation; RFC 5280 §4.2.1.3)."""
    usage = cert.asn1.key_usage_value
    return usage is None or bool({"digital_signature", "non_repudiation"} & usage.native)


def _path(cert: _Cert, pool: Sequence[_Cert], roots: Sequence[_Cert]) -> list[_Cert] | None:
    """Signer → … → a trust root, each certificate signed by the next: the shortest such path (breadth-first over
    the candidates: a CA renewed with the same name gives two issuers of the same name). None when no path reaches
    a root. Each certificate is expanded once and at most MAX_SIGNATURE_CHECKS certificate signatures are checked:
    the certificates come from whoever sends the signature (the verification page is open), and a depth-first walk
    over a dozen CA certificates of one name and one key tried every ordering of them (40 s for a 10 KB file)."""
    root_prints = {root.info.sha256 for root in roots}
    if cert.info.sha256 in root_prints:
        return [cert]

    def issuers(child: _Cert) -> list[_Cert]:
        found = []
        seen = set()
        for candidate in (*roots, *pool):
            if candidate.info.sha256 in seen or candidate.subject_key != child.issuer_key:
                continue
            if child.aki and candidate.ski and child.aki != candidate.ski:
                continue
            seen.add(candidate.info.sha256)
            found.append(candidate)
        return found

    parent: dict[str, _Cert | None] = {cert.info.sha256: None}
    level = [cert]
    checks = 0
    for _depth in range(MAX_CHAIN - 1):
        following = []
        for child in level:
            for issuer in issuers(child):
                if issuer.info.sha256 in parent:
                    continue
                # RFC 5280 §6.1.4 (k), (n): an intermediate must be a CA allowed to sign certificates, else any
                # holder of a qualified certificate could issue one in anybody's name. A trust anchor is trusted
                # by configuration (an old root may lack the extensions).
                if issuer.info.sha256 not in root_prints and not _may_issue(issuer):
                    continue
                if checks >= MAX_SIGNATURE_CHECKS:
                    logger.info("cades: path search stopped after %d certificate signatures", checks)
                    return None
                checks += 1
                if not _issued_by(child, issuer):
                    continue
                parent[issuer.info.sha256] = child
                if issuer.info.sha256 in root_prints:
                    chain = [issuer]
                    link = parent[issuer.info.sha256]
                    while link is not None:
                        chain.append(link)
                        link = parent[link.info.sha256]
                    return chain[::-1]
                following.append(issuer)
        if not following:
            return None
        level = following
    return None


def _attribute(signed_attrs, oid: str):
    for attribute in signed_attrs:
        if attribute["type"].dotted == oid:
            values = attribute["values"]
            return values[0] if len(values) else None
    return None


def _signing_time(signed_attrs) -> datetime | None:
    value = _attribute(signed_attrs, OID_SIGNING_TIME)
    if value is None:
        return None
    try:
        moment = value.chosen.native if isinstance(value, core.Choice) else _time(value)
    except Exception:
        return None
    return _aware(moment) if isinstance(moment, datetime) else None


def _time(value) -> datetime | None:
    loaded = core.load(value.dump())
    if isinstance(loaded, core.UTCTime | core.GeneralizedTime):
        return loaded.native
    return None


def _signing_certificate_matches(signed_attrs, cert: _Cert) -> bool:
    """signingCertificateV2 (RFC 5035) / signingCertificate (RFC 2634), when present, must name ``cert``: a
    CAdES-BES binds the certificate into what is signed (ETSI EN 319 122-1 §5.2.2). A V2 hash by an algorithm
    not allowed (``_weak_cert_hash``) matches nothing."""
    for oid in (OID_SIGNING_CERT_V2, OID_SIGNING_CERT):
        value = _attribute(signed_attrs, oid)
        if value is None:
            continue
        first = value["certs"][0]
        if oid == OID_SIGNING_CERT_V2:
            algorithm = first["hash_algorithm"]["algorithm"].dotted
            if algorithm in STREEBOG_SIZE:
                expected = _streebog(cert.der, STREEBOG_SIZE[algorithm])
            elif algorithm in CERT_HASH_SHA2:
                expected = hashlib.new(CERT_HASH_SHA2[algorithm], cert.der).digest()
            else:
                return False
        else:
            expected = hashlib.sha1(cert.der, usedforsecurity=False).digest()
        if not hmac.compare_digest(first["cert_hash"].native, expected):
            return False
    return True


def _weak_cert_hash(signed_attrs) -> str | None:
    """The name of signingCertificateV2's hash algorithm when it is not Streebog or SHA-2, else None."""
    value = _attribute(signed_attrs, OID_SIGNING_CERT_V2)
    if value is None:
        return None
    algorithm = value["certs"][0]["hash_algorithm"]["algorithm"]
    if algorithm.dotted in STREEBOG_SIZE or algorithm.dotted in CERT_HASH_SHA2:
        return None
    return _HASH_NAMES.get(algorithm.dotted) or str(algorithm.native).upper()


def _unprocessed_critical(chain: Sequence[_Cert], roots: Sequence[_Cert]) -> str | None:
    """The reason to refuse the first certificate of ``chain`` (a trust anchor excepted: trusted by configuration)
    that marks critical an extension this verifier does not process (RFC 5280 §4.2), else None."""
    root_prints = {root.info.sha256 for root in roots}
    for link in chain:
        if link.info.sha256 in root_prints:
            continue
        unknown = sorted(set(link.asn1.critical_extensions) - PROCESSED_CRITICAL)
        if unknown:
            return REASON_CRITICAL.format(
                subject=link.info.subject_name or link.info.issuer, names=", ".join(unknown)
            )
    return None


def _verify_signer(
    signer_info: cms.SignerInfo,
    *,
    content: bytes,
    pool: Sequence[_Cert],
    roots: Sequence[_Cert],
    now: datetime,
    attached: bool,
    content_matches: bool,
) -> Verdict:
    cert = _find_signer(signer_info["sid"], pool)
    if cert is None:
        return _failed("no_signer_cert")
    info = cert.info
    digest_oid = signer_info["digest_algorithm"]["algorithm"].dotted
    signature_oid = signer_info["signature_algorithm"]["algorithm"].dotted
    size = STREEBOG_SIZE.get(digest_oid)
    key_size = GOST_KEY_SIZE.get(cert.key_oid)
    if size is None or signature_oid not in GOST_SIGNATURE_SIZE or key_size is None:
        hash_name = _HASH_NAMES.get(digest_oid, digest_oid)
        algorithm = (
            f"{info.algorithm} ({hash_name})" if not info.is_gost else f"{info.algorithm}, хэш {hash_name}"
        )
        return _failed("not_gost", algorithm=algorithm, signer=info)

    problems: list[str] = []
    notes: list[str] = []
    special: dict[str, str] = {}  # a reason more exact than _reason's for a problem's code
    content_digest = _streebog(content, size)
    signed_attrs = signer_info["signed_attrs"]
    signed_at = None
    has_attributes = _present(signed_attrs) and len(signed_attrs) > 0
    if has_attributes:
        message_digest = _attribute(signed_attrs, OID_MESSAGE_DIGEST)
        content_type = _attribute(signed_attrs, OID_CONTENT_TYPE)
        intact = message_digest is not None and hmac.compare_digest(
            core.OctetString.load(message_digest.dump()).native, content_digest
        )
        signed_at = _signing_time(signed_attrs)
        # RFC 5652 §5.4: the signature is over the DER of the attributes with the EXPLICIT SET OF tag, not [0].
        signed_bytes = b"\x31" + signed_attrs.dump()[1:]
        signature_valid = (
            content_type is not None
            and core.ObjectIdentifier.load(content_type.dump()).dotted == OID_DATA
            and _gost_verify(cert, _streebog(signed_bytes, size), signer_info["signature"].native)
            and _signing_certificate_matches(signed_attrs, cert)
        )
        weak_hash = _weak_cert_hash(signed_attrs)
        if weak_hash is not None:
            special["bad_signature"] = REASON_CERT_HASH.format(name=weak_hash)
    else:
        signature_valid = _gost_verify(cert, content_digest, signer_info["signature"].native)
        # With no attributes the signature covers the content's digest itself: broken and changed are one.
        intact = signature_valid
    if not content_matches:
        # An attached signature whose embedded document is not the file brought with it.
        intact = False
    if not intact:
        problems.append("other_file")
    if not signature_valid and (intact or has_attributes):
        problems.append("bad_signature")

    moment = signed_at or now
    if signed_at is None:
        notes.append(NOTE_NO_TIME)
    path = _path(cert, pool, roots)
    chain = tuple(link.info for link in path) if path else (info,)
    trusted = path is not None and _fit_for_signing(cert)
    critical = _unprocessed_critical(path, roots) if path is not None else None
    if critical is not None:
        trusted = False
        special["untrusted"] = critical
    if not trusted:
        problems.append("untrusted")
    for link in path or [cert]:
        if moment > link.info.not_after and "expired" not in problems:
            problems.append("expired")
        if moment < link.info.not_before and "not_yet_valid" not in problems:
            problems.append("not_yet_valid")
    if "expired" in problems or "not_yet_valid" in problems:
        trusted = False
    notes.append(NOTE_NO_REVOCATION)
    if attached:
        notes.append(NOTE_ATTACHED)
    fit = _fit_for_signing(cert)
    reasons = tuple(
        special.get(code) or _reason(code, path or [cert], roots, fit=fit, timed=signed_at is not None)
        for code in problems
    )
    return Verdict(
        signature_valid=signature_valid,
        intact=intact,
        trusted=trusted,
        gost=True,
        algorithm=info.algorithm,
        signer=info,
        chain=chain,
        signed_at=signed_at,
        problems=tuple(problems),
        reasons=reasons,
        summary=_summary(problems, info, signed_at),
        notes=tuple(notes),
        attached=attached,
    )


REASON_UNFIT = (
    "Сертификат не предназначен для подписи документов: это запрещают его ограничения использования ключа."
)


def _reason(
    code: str, chain: Sequence[_Cert], roots: Sequence[_Cert], *, fit: bool = True, timed: bool = True
) -> str:
    if code == "untrusted" and not fit:
        return REASON_UNFIT
    if code == "untrusted":
        issuer = chain[-1].info.issuer
        if issuer:
            return f"Сертификат выдан удостоверяющим центром «{issuer}», которого нет среди доверенных."
    if code == "expired":
        ends = min(link.info.not_after for link in chain)
        when = "до момента подписания" if timed else "а время подписания в подписи не указано"
        return f"Срок действия сертификата истёк {_fmt_date(ends)}, {when}."
    if code == "not_yet_valid":
        starts = max(link.info.not_before for link in chain)
        when = "после момента подписания" if timed else "а время подписания в подписи не указано"
        return f"Срок действия сертификата начинается {_fmt_date(starts)}, {when}."
    return PROBLEM_REASONS[code]


def verify_detached(
    content: bytes,
    signature: bytes,
    *,
    trust_roots: Sequence[bytes],
    now: datetime | None = None,
    certificates: Sequence[bytes] = (),
) -> Verdict:
    """The verdict on ``signature`` (a detached CAdES-BES, any form ``load_signature`` takes) over ``content``.

    ``trust_roots``: certificates (DER or PEM, several per PEM blob allowed); the non-GOST ones are ignored.
    ``certificates``: extra intermediate certificates when the signature does not carry them. Never raises for
    bad input except ``SignatureUnreadable`` when ``signature`` is not CMS at all."""
    der = load_signature(signature)
    now = _aware(now) if now else datetime.now(UTC)
    content = bytes(content)
    try:
        signed = cms.ContentInfo.load(der)["content"]
        encap = signed["encap_content_info"]
        attached = _present(encap["content"])
        content_matches = True
        if attached:
            value = encap["content"]
            # "data" is an OCTET STRING (RFC 5652 §5.2); another content type keeps its encoded contents
            embedded = value.native if isinstance(value, core.OctetString) else value.contents
            # The signature carries its own copy of the document, which is what was signed; the file brought
            # alongside must be the same bytes, else it is another file.
            content_matches = not content or embedded == content
            content = embedded
        pool = _load_cert_blobs(
            [c.chosen.dump() for c in signed["certificates"] if c.name == "certificate"][:MAX_CERTIFICATES]
            if _present(signed["certificates"])
            else [],
            what="CMS",
        )
        pool += _load_cert_blobs(certificates, what="supplied")
        roots = [root for root in _load_cert_blobs(trust_roots, what="trust root") if root.info.is_gost]
        verdicts = [
            _verify_signer(
                si,
                content=content,
                pool=pool,
                roots=roots,
                now=now,
                attached=attached,
                content_matches=content_matches,
            )
            for si in list(signed["signer_infos"])[:MAX_SIGNERS]
        ]
    except SignatureUnreadable:
        raise
    except Exception:
        logger.info("cades: damaged signature", exc_info=True)
        return _failed("unreadable")
    # Co-signatures: DER sorts a SET OF, so the order of SignerInfos says nothing about who signed first. The
    # verdict is on the first signer whose signature holds in full, else on the first; the rest are cosigners.
    main = next((verdict for verdict in verdicts if verdict.ok), verdicts[0])
    others = tuple(verdict for verdict in verdicts if verdict is not main)
    return dataclasses.replace(main, cosigners=others) if others else main


# --------------------------------------------------------------------------- who signed


def _normal_name(name: str) -> str:
    return " ".join(name.casefold().replace("ё", "е").split())


def format_snils(snils: str) -> str:
    digits = _digits(snils)
    if len(digits) != 11:
        return snils
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def signer_mismatch(cert: CertificateInfo, *, snils: str, full_name: str) -> str | None:
    """Why this certificate is not this person's, in Russian; None when it is. The СНИЛС decides when both the
    certificate and the profile have one (it identifies the person; Приказ ФСБ № 795 puts it in a natural
    person's certificate); otherwise the full name, compared without regard to case, ё/е and spaces."""
    profile_snils = _digits(snils)
    if profile_snils and cert.snils:
        if profile_snils == cert.snils:
            return None
        return (
            f"Сертификат выдан другому человеку: СНИЛС в сертификате {format_snils(cert.snils)}, "
            f"а в вашем профиле {format_snils(profile_snils)}."
        )
    if not _normal_name(full_name):
        return "В профиле не указаны ни СНИЛС, ни ФИО: нельзя убедиться, что сертификат выдан вам."
    wanted = _normal_name(full_name)
    names = {_normal_name(cert.subject_name), _normal_name(cert.common_name)} - {""}
    if wanted in names:
        return None
    return (
        f"Сертификат выдан другому человеку: в сертификате «{cert.subject_name}», "
        f"а в вашем профиле «{' '.join(full_name.split())}»."
    )
