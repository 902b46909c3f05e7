"""PAdES signing of the report PDFs and the verification of a signed PDF brought back by a user.

Nothing here touches the ORM. ``sign_pdf`` and ``verify_pdf`` take and return bytes, so a view, a Celery
task and a test call them alike. Only ``signer_from_settings``/``trust_roots_from_settings`` (and the
location of the font cache) read ``django.conf.settings``.

The signature is a visible stamp on the last page (see ``STAMP_*`` below): the renderer should leave
about ``STAMP_BOTTOM_PT + STAMP_HEIGHT_PT`` points free at the bottom of the last page.

The demo certificate (``make_demo_certificate``) is a self-signed CA plus a signing certificate issued by
it; a real deployment puts the PKCS#12 of a qualified certificate in ``REPORTS_SIGNING_PKCS12`` and its
CA certificates in ``REPORTS_TRUST_ROOTS``.
"""

import asyncio
import datetime
import io
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12 as pyca_pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

logger = logging.getLogger(__name__)

MOSCOW = ZoneInfo("Europe/Moscow")

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "LiberationSerif-Regular.ttf"

FIELD_NAME = "Signature1"

# The stamp: a 260×70 pt box at the bottom-left of the last page, its lower edge 15 mm above the
# page's lower edge. A 2 cm bottom margin cannot hold a 70 pt box, so the stamp reaches ~40 pt into the
# text area: the renderer keeps the bottom ~115 pt of the last page free (a fixed-height spacer at the
# end of the document does it). A form field cannot be placed "after the text" by pyHanko: it needs
# absolute coordinates, and finding the end of the text would mean parsing the page content.
STAMP_LEFT_PT = 57  # 20 mm, the usual left margin of a Russian official document
STAMP_BOTTOM_PT = 42  # 15 mm
STAMP_WIDTH_PT = 260
STAMP_HEIGHT_PT = 70
STAMP_FONT_SIZE = 10  # pyHanko writes the size with %d: whole points only
STAMP_LEADING = 12
# The seal is the portal's, not the head's signature (#22): it says what it proves — the file is unchanged — and who
# approved the report in the portal under the department's certificate.
STAMP_TEXT = "Печать портала: файл не изменён\nУтвердил: %(signer_name)s\n%(position)s\n%(signed_at)s"
# Units per em of the stamp font: pyHanko lays out glyphs as if every font had 1000 units per em, so
# a 2048-unit font such as Liberation comes out letter-spaced and clipped unless rescaled first.
STAMP_FONT_UPEM = 1000

DEMO_VALIDITY = datetime.timedelta(days=5 * 365)
DEMO_CA_NAME = "Демо-удостоверяющий центр ШНОР"


class SigningNotConfigured(Exception):
    """The signing certificate or a trust root is not set up, or cannot be opened."""


@dataclass(frozen=True)
class CertificateHolder:
    """Who signs: the subject of the signing certificate. The one source of who signed a report: the stamp
    prints it, the report's record keeps it, and the verification reads the same certificate back from the PDF
    (63-ФЗ, ст. 14: the certificate names its owner; a stamp naming someone else would misstate the signer)."""

    name: str  # commonName: «Фамилия Имя Отчество»
    position: str  # title
    organization: str  # organizationName


def _subject_part(name: x509.Name, oid) -> str:
    return ", ".join(str(attribute.value) for attribute in name.get_attributes_for_oid(oid))


def certificate_holder(pkcs12: bytes, password: str) -> CertificateHolder:
    """The holder named in the signing certificate of a PKCS#12. Raises ``SigningNotConfigured`` if it cannot
    be opened with ``password``."""
    try:
        _key, cert, _cas = pyca_pkcs12.load_key_and_certificates(pkcs12, password.encode())
    except ValueError as exc:
        raise SigningNotConfigured(
            "Не удалось открыть сертификат подписи: неверный пароль или повреждённый файл PKCS#12."
        ) from exc
    if cert is None:
        raise SigningNotConfigured("В файле PKCS#12 нет сертификата подписи.")
    return CertificateHolder(
        name=_subject_part(cert.subject, NameOID.COMMON_NAME),
        position=_subject_part(cert.subject, NameOID.TITLE),
        organization=_subject_part(cert.subject, NameOID.ORGANIZATION_NAME),
    )


# --------------------------------------------------------------------------- demo certificate


def _name(common_name: str, organization: str, title: str | None = None) -> x509.Name:
    # cryptography encodes these attributes as UTF8String by default, so Cyrillic is kept as is
    # (PrintableString, the other common choice, cannot hold it).
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
    ]
    if title:
        attributes.append(x509.NameAttribute(NameOID.TITLE, title))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def make_demo_certificate(
    path: Path,
    password: str,
    *,
    common_name: str = "Иванова Мария Петровна",
    organization: str = "Управление образования (демо)",
    title: str = "Начальник управления",
) -> None:
    """Write a demo signing identity: ``path`` gets a PKCS#12 file (key, signing certificate and the CA
    certificate) protected by ``password``; ``path.with_suffix(".ca.pem")`` gets the CA certificate,
    the trust root to list in ``REPORTS_TRUST_ROOTS``."""
    path = Path(path)
    # Backdated a little so that a verifier whose clock lags behind still accepts a fresh certificate.
    not_before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    not_after = not_before + DEMO_VALIDITY

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name(DEMO_CA_NAME, organization)
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization, title))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # pyHanko's validator requires non-repudiation (content_commitment) on a signer's
            # certificate by default; digital_signature is what other PDF readers look for.
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    bundle = pyca_pkcs12.serialize_key_and_certificates(
        name=common_name.encode(),
        key=key,
        cert=cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, bundle)
    path.with_suffix(".ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))


def _write_private(path: Path, data: bytes) -> None:
    # The PKCS#12 holds a private key: readable by the owner only, even if the password is weak.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


# --------------------------------------------------------------------------- stamp font


def _font_cache_dir() -> Path:
    configured = getattr(settings, "REPORTS_FONT_CACHE", "") if settings.configured else ""
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "shnor-fonts"


def stamp_font_path(source: Path = FONT_PATH) -> Path:
    """The stamp font rescaled to 1000 units per em, made once and cached on disk.

    The cache file is named by the source's size and mtime, so a replaced font is rescaled again; it is
    written to a temporary file and renamed, so concurrent workers never read a half-written font."""
    stat = source.stat()
    cache_dir = _font_cache_dir()
    target = cache_dir / f"{source.stem}-upm{STAMP_FONT_UPEM}-{stat.st_size}-{stat.st_mtime_ns}.ttf"
    if target.is_file():
        return target

    cache_dir.mkdir(parents=True, exist_ok=True)
    font = TTFont(source)
    if font["head"].unitsPerEm != STAMP_FONT_UPEM:
        scale_upem(font, STAMP_FONT_UPEM)
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{source.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            font.save(fh)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


# --------------------------------------------------------------------------- signing


def _stamp_style() -> TextStampStyle:
    font = GlyphAccumulatorFactory(str(stamp_font_path()), font_size=STAMP_FONT_SIZE)
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(
            font=font,
            font_size=STAMP_FONT_SIZE,
            leading=STAMP_LEADING,
            # The text box would add its own 10 pt margins on top of the stamp's; the stamp's
            # padding below is the only one, so four lines of 10 pt fit the 70 pt box unscaled.
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins.uniform(0),
            ),
        ),
        border_width=1,
        # Left-aligned like a typed stamp; long names are shrunk to fit rather than cut off.
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=10, right=10, top=9, bottom=3),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def _media_box(page: generic.DictionaryObject) -> tuple[float, float, float, float]:
    # /MediaBox is inheritable: walk up the page tree until a node has one.
    node: generic.DictionaryObject | None = page
    while node is not None:
        if "/MediaBox" in node:
            llx, lly, urx, ury = (float(v) for v in node["/MediaBox"])
            return min(llx, urx), min(lly, ury), max(llx, urx), max(lly, ury)
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return 0.0, 0.0, 595.28, 841.89  # A4, the PDF default when a file omits the box altogether


def _stamp_box(writer: IncrementalPdfFileWriter) -> tuple[int, int, int, int]:
    page_ref, _resources = writer.find_page_for_modification(-1)
    llx, lly, _urx, _ury = _media_box(page_ref.get_object())
    x1, y1 = round(llx) + STAMP_LEFT_PT, round(lly) + STAMP_BOTTOM_PT
    return x1, y1, x1 + STAMP_WIDTH_PT, y1 + STAMP_HEIGHT_PT


def format_moscow(moment: datetime.datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M МСК")


def sign_pdf(
    pdf: bytes,
    *,
    pkcs12: bytes,
    password: str,
    reason: str = "Утверждено",
    location: str = "",
) -> bytes:
    """Sign ``pdf`` (PAdES B-B, SHA-256) with the key of the PKCS#12 ``pkcs12`` and put a visible stamp
    with the certificate holder's name and position (``certificate_holder``) and the signing time at the
    bottom of the last page. The stamp takes nothing from the caller: it cannot name anyone but the owner of
    the key that signs.

    The signature is an incremental update: the returned bytes start with ``pdf`` unchanged.
    Raises ``SigningNotConfigured`` if the PKCS#12 cannot be opened with ``password``."""
    holder = certificate_holder(pkcs12, password)
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(pkcs12, other_certs=(), passphrase=password.encode())
    except ValueError as exc:
        raise SigningNotConfigured(
            "Не удалось открыть сертификат подписи: неверный пароль или повреждённый файл PKCS#12."
        ) from exc

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # The time shown in the stamp is taken here, a fraction of a second before pyHanko takes its own
    # for the signature. pyHanko's own %(ts)s would be in the server's local zone, while the stamp
    # must read Moscow time whatever the server's zone.
    signed_at = datetime.datetime.now(MOSCOW)
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            name=holder.name,
            reason=reason or None,
            location=location or None,
        ),
        signer=signer,
        stamp_style=_stamp_style(),
        new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=-1, box=_stamp_box(writer)),
    )
    out = pdf_signer.sign_pdf(
        writer,
        appearance_text_params={
            "signer_name": holder.name,
            "position": holder.position,
            "signed_at": format_moscow(signed_at),
        },
    )
    return out.getvalue()


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Verification:
    """The verdict on a PDF brought for verification. Plain data, ready for a template."""

    signed: bool
    intact: bool  # the signed bytes hash to the digest in the signature
    valid: bool  # the signature over that digest checks out against the signer's certificate
    trusted: bool  # the certificate chains up to one of the trust roots (and is fit for signing)
    signer: str  # common name of the signer's certificate
    organization: str
    signed_at: datetime.datetime | None  # time claimed by the signer, in Moscow time
    covers_whole_file: bool  # nothing was added to the file after the signature
    summary: str
    details: tuple[str, ...] = ()
    position: str = ""  # title in the signer's certificate
    # The certificate, for the verification page's rows (reports.verdict_text.from_seal).
    issuer: str = ""
    serial: str = ""  # hex, upper case
    not_before: datetime.datetime | None = None
    not_after: datetime.datetime | None = None
    algorithm: str = ""  # in words: «RSA, хэш-функция SHA-256»
    problems: tuple[str, ...] = ()  # what is wrong, one plain sentence each (empty when ok)

    @property
    def ok(self) -> bool:
        """Everything checked out: the only state in which the document may be relied upon."""
        return self.signed and self.intact and self.valid and self.trusted and self.covers_whole_file


NOT_PDF = "Файл не является PDF-документом"
NOT_READABLE = "Файл повреждён: его не удаётся прочитать как PDF-документ"
NOT_SIGNED = "Документ не подписан"
CHANGED = "Документ изменён после подписания"
UNREADABLE_SIGNATURE = "Подпись повреждена и не может быть проверена"
BROKEN = "Подпись недействительна: она не соответствует сертификату, указанному в ней"
EXTENDED = "После подписания в документ добавлены данные: подпись охватывает не весь файл"
UNTRUSTED = "Подпись верна, но сертификат не выдан доверенным удостоверяющим центром"
REVOKED = "Подпись верна, но сертификат подписанта отозван"
EXPIRED = "Подпись верна, но срок действия сертификата подписанта истёк"
NOT_YET_VALID = "Подпись верна, но срок действия сертификата подписанта ещё не начался"
UNFIT = "Подпись верна, но сертификат не предназначен для электронной подписи документов"

_TRUST_PROBLEMS = {
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND: "не найдена цепочка до доверенного удостоверяющего центра",
    AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE: "цепочка сертификатов не удовлетворяет ограничениям",
    AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE: "цепочка сертификатов не проверена",
    AdESIndeterminate.SIG_CONSTRAINTS_FAILURE: "назначение ключа в сертификате не допускает подпись документов",
    AdESIndeterminate.EXPIRED: "срок действия сертификата истёк",
    AdESIndeterminate.NOT_YET_VALID: "срок действия сертификата ещё не начался",
    AdESFailure.NOT_YET_VALID: "срок действия сертификата ещё не начался",
    AdESFailure.REVOKED: "сертификат отозван",
    AdESIndeterminate.REVOKED_NO_POE: "сертификат отозван",
    AdESIndeterminate.REVOKED_CA_NO_POE: "сертификат удостоверяющего центра отозван",
    AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE: "алгоритмы подписи признаны ненадёжными",
    AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: "алгоритмы подписи признаны ненадёжными",
}

_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: "Подпись относится ко всему файлу: после подписания в него ничего не дописано.",
    SignatureCoverageLevel.ENTIRE_REVISION: "После подписания в файл дописаны изменения: подпись относится только к его "
    "прежнему виду.",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "После подписания в файл дописаны данные: подпись относится "
    "только к его началу.",
    SignatureCoverageLevel.UNCLEAR: "Не удалось определить, к какой части файла относится подпись.",
}

# pyHanko's names of the mechanisms, in words (the page is for a reader, not for a cryptographer).
_KEY_ALGORITHMS = {"rsa": "RSA", "ecdsa": "ECDSA", "dsa": "DSA", "ed25519": "Ed25519", "ed448": "Ed448"}


def algorithm_words(mechanism: str, digest: str) -> str:
    """«sha256_rsa», «sha256» → «RSA, хэш-функция SHA-256»."""
    mechanism = (mechanism or "").lower()
    key = next((words for name, words in _KEY_ALGORITHMS.items() if name in mechanism.split("_")), "")
    if not key:
        key = "RSA" if "rsa" in mechanism else mechanism.upper()
    digest = (digest or "").lower()
    digest_words = re.sub(r"^sha(\d)", r"SHA-\1", digest).replace("sha3_", "SHA3-").upper() if digest else ""
    return f"{key}, хэш-функция {digest_words}" if digest_words else key


def _is_gost(cert: asn1_x509.Certificate) -> bool:
    # ГОСТ Р 34.10-2012 keys (1.2.643.7.1.1.1.*) and the older 34.10-2001 (1.2.643.2.2.19) are Russian OIDs
    # (Р 1323565.1.024-2019); the seal is RSA and leaves those roots to the КЭП verifier (reports.cades).
    return cert.public_key["algorithm"]["algorithm"].dotted.startswith("1.2.643.")


def _unsigned(summary: str) -> Verification:
    return Verification(
        signed=False,
        intact=False,
        valid=False,
        trusted=False,
        signer="",
        organization="",
        signed_at=None,
        covers_whole_file=False,
        summary=summary,
    )


def _load_roots(trust_roots: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    # pyhanko-certvalidator 0.33 takes asn1crypto certificates, not the PEM/DER bytes its docstring
    # still mentions; one PEM file may hold several certificates.
    roots: list[asn1_x509.Certificate] = []
    for number, blob in enumerate(trust_roots, start=1):
        try:
            certs = list(load_certs_from_pemder_data(blob))
            for cert in certs:
                # asn1crypto parses lazily: touch the fields so that a damaged root fails here, as a
                # configuration error, and not later in the middle of a validation.
                _ = cert.subject, cert.public_key, cert["tbs_certificate"]["validity"].native
        except ValueError as exc:
            raise ValueError(
                f"Корневой сертификат №{number} не читается как сертификат X.509 (PEM или DER)."
            ) from exc
        if not certs:
            raise ValueError(f"В корневом сертификате №{number} нет ни одного сертификата.")
        roots.extend(cert for cert in certs if not _is_gost(cert))
    return roots


def _validation_context(roots: list[asn1_x509.Certificate]) -> ValidationContext:
    # No network from the verification page: nothing is fetched (allow_fetching=False), and the
    # revocation status is checked only where the data is at hand, a certificate with no reachable
    # CRL/OCSP is not failed for it ("soft fail", the same rule as certvalidator's legacy default,
    # spelled out so that a change of pyHanko's default doesn't make every signature fail).
    soft = RevocationCheckingRule.CHECK_IF_DECLARED_SOFT
    return ValidationContext(
        trust_roots=roots,
        allow_fetching=False,
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(soft, soft)),
    )


def _name_part(cert: asn1_x509.Certificate | None, field: str) -> str:
    if cert is None:
        return ""
    value = cert.subject.native.get(field, "")
    # A name attribute may repeat; asn1crypto then gives a list.
    return ", ".join(value) if isinstance(value, list) else str(value)


def _fmt_date(moment: datetime.datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y")


def _details(
    status: PdfSignatureStatus, sig_object: generic.DictionaryObject, signed_at: datetime.datetime | None
) -> Iterator[str]:
    cert = status.signing_cert
    yield f"Подписант: {_name_part(cert, 'common_name') or '—'}"
    if position := _name_part(cert, "title"):
        yield f"Должность: {position}"
    if organization := _name_part(cert, "organization_name"):
        yield f"Организация: {organization}"
    if signed_at is not None:
        yield f"Время подписания (по данным подписанта): {format_moscow(signed_at)}"
    if reason := sig_object.get("/Reason"):
        yield f"Основание: {reason}"
    if location := sig_object.get("/Location"):
        yield f"Место подписания: {location}"
    if cert is not None:
        validity = cert["tbs_certificate"]["validity"]
        yield f"Сертификат выдан: {cert.issuer.native.get('common_name', '') or cert.issuer.human_friendly}"
        yield (
            f"Срок действия сертификата: с {_fmt_date(validity['not_before'].native)}"
            f" по {_fmt_date(validity['not_after'].native)}"
        )
        yield f"Серийный номер сертификата: {cert.serial_number:x}"
    yield f"Вид подписи: {algorithm_words(status.pkcs7_signature_mechanism, status.md_algorithm)}"
    yield "Подписанные данные не изменены: " + ("да" if status.intact else "нет")
    yield "Подпись верна: " + ("да" if status.valid else "нет")
    if status.coverage is not None:
        yield _COVERAGE[status.coverage]
    if status.trusted:
        yield "Сертификат выдан доверенным удостоверяющим центром."
    elif status.trust_problem_indic is not None:
        problem = _TRUST_PROBLEMS.get(status.trust_problem_indic, status.trust_problem_indic.name)
        yield f"Сертификат не признан доверенным: {problem}."
    # The context has no CRLs/OCSP responses and may not fetch any (see _validation_context).
    yield "Отзыв сертификата не проверялся: проверка выполняется без обращения к сети."


def _summary(status: PdfSignatureStatus, signed_at: datetime.datetime | None, covers_whole_file: bool) -> str:
    if not status.intact:
        return CHANGED
    if not status.valid:
        return BROKEN
    if not covers_whole_file:
        return EXTENDED
    if not status.trusted:
        problem = status.trust_problem_indic
        if status.revoked or problem in (AdESFailure.REVOKED, AdESIndeterminate.REVOKED_NO_POE):
            return REVOKED
        if problem is AdESIndeterminate.EXPIRED:
            return EXPIRED
        if problem in (AdESIndeterminate.NOT_YET_VALID, AdESFailure.NOT_YET_VALID):
            return NOT_YET_VALID
        if problem is AdESIndeterminate.SIG_CONSTRAINTS_FAILURE:
            return UNFIT
        return UNTRUSTED
    # The portal's seal (a server certificate), not a person's signature (issue #22): said so first.
    return (
        f"Печать портала: файл не изменён с {format_moscow(signed_at)}"
        if signed_at
        else ("Печать портала: файл не изменён")
    )


def verify_pdf(data: bytes, *, trust_roots: Sequence[bytes]) -> Verification:
    """Check the (last) signature of ``data`` against ``trust_roots`` (PEM or DER certificates).

    Never raises on bad ``data``: garbage, an unsigned or a damaged file each get their own verdict.
    A damaged trust root does raise ``ValueError``: that is the server's configuration, not the user's
    file. Uses no network and stores nothing. Runs its own event loop (pyHanko's
    ``validate_pdf_signature``), so call it from synchronous code only."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop running: validate_pdf_signature may start its own
    else:
        # Otherwise asyncio.run() inside pyHanko fails, and the broad except below would pass that
        # off as a damaged signature.
        raise RuntimeError(
            "verify_pdf() запускает свой цикл событий: из асинхронного кода вызывайте её через sync_to_async."
        )
    # Roots first: a broken configuration must surface whatever file the user brought.
    context = _validation_context(_load_roots(trust_roots))
    # PDF readers accept the header anywhere in the first kilobyte; so do we.
    if b"%PDF-" not in data[:1024]:
        return _unsigned(NOT_PDF)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:
        # pyHanko's parser raises PdfReadError on most damage, but a mangled file also surfaces as
        # zlib.error, KeyError, TypeError, RecursionError... (found by fuzzing). The file comes from a
        # user, and to the user it's the same unreadable file; the log keeps the cause.
        logger.info("verify_pdf: unreadable PDF", exc_info=True)
        return _unsigned(NOT_READABLE)
    if not signatures:
        return _unsigned(NOT_SIGNED)

    # The report carries one signature; if someone signed on top of it, the last one covers the most.
    embedded = signatures[-1]
    extra = (f"В документе подписей: {len(signatures)}; проверена последняя.",) if len(signatures) > 1 else ()
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as exc:
        # A signature whose CMS blob or byte range is mangled cannot even be evaluated; pyHanko
        # raises SignatureValidationError for most of it, lower-level errors for the rest.
        logger.info("verify_pdf: signature cannot be evaluated", exc_info=True)
        cert = _safe_signer_cert(embedded)
        return Verification(
            signed=True,
            intact=False,
            valid=False,
            trusted=False,
            signer=_name_part(cert, "common_name"),
            organization=_name_part(cert, "organization_name"),
            signed_at=None,
            covers_whole_file=False,
            summary=UNREADABLE_SIGNATURE,
            details=(*extra, f"Ошибка проверки: {exc}"),
        )

    cert = status.signing_cert
    signer = _name_part(cert, "common_name")
    signed_at = status.signer_reported_dt.astimezone(MOSCOW) if status.signer_reported_dt else None
    covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return Verification(
        signed=True,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        signer=signer,
        organization=_name_part(cert, "organization_name"),
        position=_name_part(cert, "title"),
        signed_at=signed_at,
        covers_whole_file=covers_whole_file,
        summary=_summary(status, signed_at, covers_whole_file),
        details=(*extra, *_details(status, embedded.sig_object, signed_at)),
        **_certificate_fields(cert),
        algorithm=algorithm_words(status.pkcs7_signature_mechanism, status.md_algorithm),
        problems=tuple(_problems(status, covers_whole_file)),
    )


def _certificate_fields(cert: asn1_x509.Certificate | None) -> dict:
    if cert is None:
        return {}
    validity = cert["tbs_certificate"]["validity"]
    return {
        "issuer": cert.issuer.native.get("common_name", "") or cert.issuer.human_friendly,
        "serial": f"{cert.serial_number:X}",
        "not_before": validity["not_before"].native,
        "not_after": validity["not_after"].native,
    }


def _problems(status: PdfSignatureStatus, covers_whole_file: bool) -> Iterator[str]:
    if not status.intact:
        yield "Файл изменён после подписания: подписанное содержимое не совпадает с тем, что в файле сейчас."
    if not status.valid:
        yield "Подпись не соответствует сертификату, указанному в ней."
    if not covers_whole_file and status.coverage is not None:
        yield _COVERAGE[status.coverage]
    if not status.trusted:
        problem = _TRUST_PROBLEMS.get(status.trust_problem_indic, "") if status.trust_problem_indic else ""
        yield "Сертификат не выдан доверенным удостоверяющим центром" + (f": {problem}." if problem else ".")


def _safe_signer_cert(embedded: EmbeddedPdfSignature) -> asn1_x509.Certificate | None:
    try:
        return embedded.signer_cert
    except Exception:
        # Only used to name the signer in the verdict on a mangled signature.
        return None


# --------------------------------------------------------------------------- settings


def signer_from_settings() -> tuple[bytes, str]:
    """The PKCS#12 bytes and password of ``REPORTS_SIGNING_PKCS12``/``REPORTS_SIGNING_PASSWORD``."""
    path = getattr(settings, "REPORTS_SIGNING_PKCS12", "")
    if not path:
        raise SigningNotConfigured(
            "Электронная подпись отчётов не настроена: не задан путь к сертификату (REPORTS_SIGNING_PKCS12)."
        )
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningNotConfigured(
            f"Электронная подпись отчётов не настроена: файл сертификата {path} не найден или недоступен."
        ) from exc
    return data, getattr(settings, "REPORTS_SIGNING_PASSWORD", "") or ""


def holder_from_settings() -> CertificateHolder | None:
    """The holder of the configured signing certificate; None when none is configured (REPORTS_SIGNING_PKCS12
    empty). Raises ``SigningNotConfigured`` when one is configured but cannot be read."""
    if not getattr(settings, "REPORTS_SIGNING_PKCS12", ""):
        return None
    return certificate_holder(*signer_from_settings())


def trust_roots_from_settings() -> list[bytes]:
    """The certificates listed in ``REPORTS_TRUST_ROOTS`` (paths to PEM or DER files), as bytes.

    A listed file that is missing raises ``SigningNotConfigured`` rather than being skipped: silently
    dropping a root would turn every good signature into an "untrusted" one with no hint why."""
    roots: list[bytes] = []
    for path in getattr(settings, "REPORTS_TRUST_ROOTS", ()) or ():
        try:
            roots.append(Path(path).read_bytes())
        except OSError as exc:
            raise SigningNotConfigured(
                f"Корневой сертификат из REPORTS_TRUST_ROOTS не найден или недоступен: {path}"
            ) from exc
    return roots
