"""The open verification of a report (#22 §2): a PDF alone (the portal's seal inside it) or a PDF with its detached
КЭП (``.sig``), and the page behind a print copy's QR code (a stored signature by its ``public_id``).

Reads only: nothing brought here is stored. Used alike by the open page (``reports.views_verify``) and the API
(``api.views_reports``). Whether a file is a report this portal holds is told by its SHA-256 alone, and what is
said of it is what the document prints on its own first page (title, territory, year, version, signer) — the
reader may be anyone.
"""

import dataclasses
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from uuid import UUID

from . import cades, services, signing
from .models import ReportFile, ReportFormat, ReportSignature
from .verdict_text import Personal, Shown, from_kep, from_seal

logger = logging.getLogger(__name__)

SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class KnownReport:
    """A report this portal holds, as much of it as its own first page prints."""

    title: str
    territory: str
    year: int
    version: int
    signer: str
    public_id: UUID | None  # the КЭП's verification page; None for a sealed report
    print_copy: bool = False  # the file is the print copy of a КЭП-signed report, not its signed original

    @property
    def sentence(self) -> str:
        title = self.title[:1].lower() + self.title[1:]  # «Аналитическая справка по работе со ШНОР»
        what = f"{title}, {self.territory}, {self.year} год, версия {self.version}"
        if self.print_copy:
            return (
                f"Это копия для печати документа «{what}» с отметкой об электронной подписи и QR-кодом. Сама копия "
                "не подписывается: подписан оригинал, его подпись показана на странице проверки документа."
            )
        how = (
            "подписанная на портале электронной подписью" if self.public_id else "заверенная печатью портала"
        )
        return f"Это {what}, {how}."


@dataclass(frozen=True)
class VerifyResult:
    shown: Shown
    sha256: str  # of the document
    known: KnownReport | None
    verdict: "cades.Verdict | None" = None  # the КЭП's verdict (its as_json goes to the API)
    seal: signing.Verification | None = None
    seconds: float = 0.0


def _roots() -> list[bytes]:
    """Every trust root (TrustedRoot rows and REPORTS_TRUST_ROOTS files; a file that cannot be read is logged and
    left out by ``trust_roots``); each verifier takes the kind it can use."""
    return services.trust_roots()


def _known_kep(sha256: str) -> KnownReport | None:
    stored = _stored_kep(sha256)
    return known_for(stored) if stored else None


def _known_seal(sha256: str) -> KnownReport | None:
    stored = (
        ReportFile.objects.filter(format=ReportFormat.SIGNED_PDF, sha256=sha256)
        .select_related("report__region", "report__municipality", "report__school", "report__signed_by")
        .order_by("-pk")
        .first()
    )
    return _known(stored.report, public_id=None, signer=stored.report.signer_display) if stored else None


def _known(report, *, public_id: UUID | None, signer: str) -> KnownReport:
    return KnownReport(
        title=report.title,
        territory=report.territory_name,
        year=report.year,
        version=report.version,
        signer=signer,
        public_id=public_id,
    )


def verify_upload(document: bytes, signature: bytes | None = None, *, personal: Personal) -> VerifyResult:
    """A document brought by anyone: with ``signature`` its detached КЭП is checked (``cades.verify_detached``),
    without it the seal inside the PDF (``signing.verify_pdf``). Raises ``cades.SignatureUnreadable`` (Russian
    message) when ``signature`` is not a signature at all."""
    sha256 = hashlib.sha256(document).hexdigest()
    started = time.perf_counter()
    if signature is not None:
        verdict = cades.verify_detached(document, signature, trust_roots=_roots())
        seconds = time.perf_counter() - started
        return VerifyResult(
            shown=from_kep(verdict, personal=personal),
            sha256=sha256,
            known=_known_kep(sha256) or _known_seal(sha256),
            verdict=verdict,
            seconds=seconds,
        )
    stored = _stored_kep(sha256)
    if stored is not None:
        # The signed original of a КЭП-signed report, brought without its .sig: the portal holds the signature.
        try:
            result = verify_stored(stored, personal=personal, document=document)
        except StoredUnavailable:
            pass  # logged; what the PDF itself carries is checked, and the page says which report it is
        else:
            return VerifyResult(
                shown=result.shown,
                sha256=sha256,
                known=result.known,
                verdict=result.verdict,
                seconds=time.perf_counter() - started,
            )
    seal = signing.verify_pdf(document, trust_roots=_roots())
    seconds = time.perf_counter() - started
    return VerifyResult(
        shown=from_seal(seal),
        sha256=sha256,
        known=_known_seal(sha256) or _known_print_copy(sha256) or (known_for(stored) if stored else None),
        seal=seal,
        seconds=seconds,
    )


def _stored_kep(sha256: str) -> ReportSignature | None:
    return (
        ReportSignature.objects.filter(pdf_sha256=sha256)
        .select_related("report__region", "report__municipality", "report__school")
        .order_by("-pk")
        .first()
    )


def _known_print_copy(sha256: str) -> KnownReport | None:
    print_format = getattr(ReportFormat, "PRINT_PDF", None)
    copy = (
        ReportFile.objects.filter(format=print_format, sha256=sha256)
        .select_related("report__region", "report__municipality", "report__school", "report__kep")
        .order_by("-pk")
        .first()
        if print_format
        else None
    )
    if copy is None:
        return None
    kep = getattr(copy.report, "kep", None)
    known = _known(
        copy.report, public_id=kep.public_id if kep else None, signer=kep.owner_name if kep else ""
    )
    return dataclasses.replace(known, print_copy=True)


# --- the page behind the QR code ------------------------------------------------------------------------------


STORED_UNAVAILABLE = (
    "Подписанный оригинал или файл его подписи сейчас недоступен в хранилище портала или повреждён, подпись "
    "проверить заново нельзя. Сообщите администратору портала."
)


class StoredUnavailable(Exception):
    """The stored signed PDF or its .sig is missing or cannot be read (logged); the message is for the page."""


def signature_by_public_id(public_id: UUID) -> ReportSignature | None:
    return (
        ReportSignature.objects.filter(public_id=public_id)
        .select_related("report__region", "report__municipality", "report__school")
        .first()
    )


def known_for(stored: ReportSignature) -> KnownReport:
    return _known(stored.report, public_id=stored.public_id, signer=stored.owner_name)


def _stored_pdf(stored: ReportSignature) -> bytes:
    """The signed PDF: the report's PDF file whose SHA-256 the signature was checked against at upload."""
    pdf = stored.report.files.filter(format=ReportFormat.PDF, sha256=stored.pdf_sha256).first()
    if pdf is None:
        raise ReportFile.DoesNotExist(f"Подписанный PDF отчёта {stored.report_id} не найден")
    with pdf.file.open("rb") as handle:
        return handle.read()


def verify_stored(
    stored: ReportSignature, *, personal: Personal = Personal.OMITTED, document: bytes | None = None
) -> VerifyResult:
    """Re-verify the stored PDF (or ``document``, the same bytes brought by the reader) with the stored .sig against
    today's trust roots: a root withdrawn since the upload shows. ~0.1 s for a 256-bit key, ~0.4 s for 512 bits
    (a 40-page справка; the Streebog of the PDF by OpenSSL's provider, ~0.06 s per MB)."""
    try:
        document = _stored_pdf(stored) if document is None else document
        if not stored.signature:
            raise ReportFile.DoesNotExist(f"У подписи отчёта {stored.report_id} нет файла .sig")
        with stored.signature.open("rb") as handle:
            signature = handle.read()
        started = time.perf_counter()
        verdict = cades.verify_detached(document, signature, trust_roots=_roots())
    except (OSError, ReportFile.DoesNotExist, cades.SignatureUnreadable) as error:
        logger.exception(
            "Проверка подписи %s: хранимый PDF или .sig недоступен или не читается", stored.public_id
        )
        raise StoredUnavailable(STORED_UNAVAILABLE) from error
    seconds = time.perf_counter() - started
    return VerifyResult(
        shown=from_kep(verdict, personal=personal),
        sha256=stored.pdf_sha256,
        known=known_for(stored),
        verdict=verdict,
        seconds=seconds,
    )


@dataclass(frozen=True)
class Comparison:
    """A file in hand (or a SHA-256 from the QR code) against the stored signed original."""

    matches: bool
    sentence: str


def compare_sha256(stored: ReportSignature, sha256: str, *, source: str) -> Comparison:
    """``source``: "qr" (the SHA-256 printed in the QR code) or "file" (one uploaded) — for the sentence."""
    if sha256.lower() == stored.pdf_sha256.lower():
        if source == "qr":
            return Comparison(True, "Контрольная сумма из QR-кода совпадает с подписанным оригиналом.")
        return Comparison(True, "Ваш файл совпадает с подписанным оригиналом байт в байт.")
    if source == "qr":
        return Comparison(
            False,
            "Контрольная сумма из QR-кода не совпадает с подписанным оригиналом: QR-код относится к другому "
            "документу или к другой его версии.",
        )
    print_format = getattr(ReportFormat, "PRINT_PDF", None)  # the print copy (#22 §3)
    print_copy = (
        bool(print_format) and stored.report.files.filter(format=print_format, sha256=sha256.lower()).exists()
    )
    if print_copy:
        return Comparison(
            False,
            "Это копия для печати этого документа (с отметкой об электронной подписи и QR-кодом). Подписан "
            "оригинал, копия для печати сама не подписывается; её подлинность подтверждает эта страница.",
        )
    return Comparison(
        False,
        "Ваш файл отличается от подписанного оригинала: он изменён или это другой документ. Полагаться можно "
        "только на оригинал.",
    )


def is_sha256(value: str) -> bool:
    return bool(SHA256_RE.fullmatch(value or ""))
