"""The head's own qualified electronic signature (КЭП) of a report, and the roots a signer's chain must reach.

A head downloads the final PDF of a report ready for approval, signs it in their own tool (КриптоАРМ, the КриптоПро
ЭЦП Browser plug-in: a detached CAdES-BES, ГОСТ Р 34.10-2012 over a ГОСТ Р 34.11-2012 digest) and uploads the
``.sig``. ``report_attach_signature`` checks that it signs exactly the stored PDF, is GOST, was made while the
certificate was valid, chains to a trusted root and is this head's (reports.cades, pure); then the report is
signed. The PDF is never rewritten: the КЭП lives beside it (ReportSignature), and a print copy with the mark of
the signature and a QR code (ГОСТ Р 7.0.97-2025, reports.print_copy) is a separate file.

The roots are TrustedRoot rows a superuser uploads (the Минцифры head CA and accredited CAs, such as the
Federal Treasury's) plus the files of REPORTS_TRUST_ROOTS (reports.services.trust_roots).
"""

import hashlib
import logging
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.policies import CHANGE

from . import cades, statuses
from .models import (
    Report,
    ReportEvent,
    ReportFile,
    ReportFormat,
    ReportKind,
    ReportSignature,
    TrustedRoot,
)
from .policies import APPROVE, report_policy, trusted_root_policy
from .services import ReportError, _store, mark_signed, trust_roots

logger = logging.getLogger(__name__)

# A detached CAdES-BES is a few kilobytes (the signer's certificate and, at most, its chain); a CAdES-X Long with
# revocation data some hundreds. Anything beyond this is not a signature.
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
# A CA certificate is a kilobyte or two.
ROOT_MAX_BYTES = 256 * 1024

SIGNATURE_TOO_LARGE = "Файл подписи больше 2 МБ: это не похоже на открепленную подпись (.sig)."
NO_PDF = "У отчёта нет PDF: сформируйте отчёт заново."
PDF_DAMAGED = "Файл PDF отчёта повреждён (контрольная сумма не совпадает). Сформируйте отчёт заново."
SIGNATURE_REFUSED = "Подпись не принята."
# The signingTime of a CAdES-BES is what the signer's computer says, and the certificate's validity is checked at
# that moment (63-ФЗ ст. 11 п. 2). A moment before the PDF existed or in the future cannot be true: accepting it
# would let an expired (or not yet valid) certificate sign by setting the clock. CLOCK_SKEW allows for a clock
# that is a little off.
CLOCK_SKEW = timedelta(minutes=5)
SIGNED_BEFORE_PDF = (
    "Время подписания в подписи ({when}) раньше, чем был сформирован PDF отчёта: проверьте дату и время на "
    "компьютере, где ставится подпись, и подпишите PDF ещё раз."
)
SIGNED_IN_FUTURE = (
    "Время подписания в подписи ({when}) ещё не наступило: проверьте дату и время на компьютере, где ставится "
    "подпись, и подпишите PDF ещё раз."
)


# --- trusted roots -------------------------------------------------------------------------------------------


def _certificate(data: bytes) -> asn1_x509.Certificate:
    """One X.509 certificate from DER or PEM; ReportError in Russian when it is not one."""
    if len(data) > ROOT_MAX_BYTES:
        raise ReportError("Файл больше 256 КБ: это не похоже на сертификат удостоверяющего центра.")
    der = data
    if asn1_pem.detect(data):
        blocks = list(asn1_pem.unarmor(data, multiple=True))
        if len(blocks) != 1:
            raise ReportError("В файле несколько сертификатов: загрузите их по одному.")
        der = blocks[0][2]
    try:
        cert = asn1_x509.Certificate.load(der)
        # asn1crypto parses lazily: touch what is used so that a damaged file fails here.
        _ = cert.subject.native, cert.serial_number, cert["tbs_certificate"]["validity"].native
        _ = cert.public_key["algorithm"]["algorithm"].dotted, cert.basic_constraints_value
    except (ValueError, TypeError, KeyError) as error:
        raise ReportError("Файл не читается как сертификат X.509 (ожидается .cer, .crt или .pem).") from error
    return cert


def _is_ca(cert: asn1_x509.Certificate) -> bool:
    # RFC 5280 §4.2.1.9: a CA certificate asserts basicConstraints cA = TRUE.
    constraints = cert.basic_constraints_value
    return bool(constraints is not None and constraints["ca"].native)


def _display_name(name: asn1_x509.Name) -> str:
    native = name.native
    return native.get("common_name") or native.get("organization_name") or name.human_friendly


@transaction.atomic
def trusted_root_add(*, user, data: bytes) -> TrustedRoot:
    """Trust a CA certificate (DER or PEM): a superuser only. Refuses what is not a CA and what is trusted already."""
    trusted_root_policy().require(user, CHANGE)
    root = trusted_root_build(data)
    root.added_by = user if getattr(user, "pk", None) else None
    root.full_clean()
    root.save()
    logger.info("Добавлен доверенный корень %s (%s), добавил %s", root.name, root.sha256, user)
    return root


def trusted_root_build(data: bytes) -> TrustedRoot:
    """The unsaved TrustedRoot of a CA certificate (DER or PEM); ReportError when it is not a CA certificate or is
    trusted already. Stores nothing (the admin's form checks an upload with it)."""
    cert = _certificate(data)
    if not _is_ca(cert):
        raise ReportError(
            f"«{_display_name(cert.subject)}» — не сертификат удостоверяющего центра (в нём нет признака CA): "
            "доверенным корнем может быть только сертификат УЦ."
        )
    der = cert.dump()
    sha256 = hashlib.sha256(der).hexdigest()
    existing = TrustedRoot.objects.filter(sha256=sha256).first()
    if existing is not None:
        raise ReportError(f"Этот сертификат уже в списке доверенных: «{existing.name}».")
    validity = cert["tbs_certificate"]["validity"]
    return TrustedRoot(
        certificate=der,
        name=_display_name(cert.subject)[:500],
        # as reports.cades writes it (CertificateInfo.serial): the DER bytes in hex, leading zeros kept
        serial=cert["tbs_certificate"]["serial_number"].contents.hex().upper(),
        sha256=sha256,
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        # ГОСТ Р 34.10-2012 (and 34.10-2001) keys have Russian OIDs, 1.2.643.* (Р 1323565.1.024-2019).
        is_gost=cert.public_key["algorithm"]["algorithm"].dotted.startswith("1.2.643."),
    )


@transaction.atomic
def trusted_root_remove(*, user, root: TrustedRoot) -> None:
    """Stop trusting a root: a superuser only. Signatures attached before stay attached (they were verified then)."""
    trusted_root_policy().require(user, CHANGE, root)
    logger.info("Удалён доверенный корень %s (%s), удалил %s", root.name, root.sha256, user)
    root.delete()


# --- the head's signature ------------------------------------------------------------------------------------


def _signature_name(report: Report) -> str:
    # Under reports/<pk>/kep/: the build's sweep of stray files (services._remove_strays) looks at reports/<pk>/
    # only, never into a subfolder.
    kind = "profile" if report.kind == ReportKind.SCHOOL else "spravka"
    return f"reports/{report.pk}/kep/{kind}-{report.year}-v{report.version}.pdf.sig"


def _store_bytes(data: bytes, name: str, suffix: str) -> tuple[str, int, str]:
    with tempfile.TemporaryDirectory(prefix="report-kep-") as work:
        path = Path(work) / f"data{suffix}"
        path.write_bytes(data)
        return _store(path, name)


def verification_url(signature: ReportSignature) -> str:
    """The public address of the signature's verification page (the print copy's QR code leads there)."""
    try:
        path = reverse("reports:verify_document", args=[signature.public_id])
    except (
        NoReverseMatch
    ):  # the page's URL as the contract names it, when the verification pages are not routed
        path = f"/reports/verify/{signature.public_id}/"
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def _refusal(verdict: "cades.Verdict") -> str:
    return " ".join(verdict.reasons) or SIGNATURE_REFUSED


@transaction.atomic
def report_attach_signature(*, user, report: Report, signature: bytes) -> Report:
    """Attach the head's КЭП (a detached CAdES signature of the report's PDF, DER, base64 or PEM) to a report ready
    for approval: the report is then signed. ReportError (Russian) says why a signature is refused."""
    report_policy().require(user, APPROVE, report)
    report = Report.objects.select_for_update().get(pk=report.pk)
    problem = statuses.move_problem(report.status, statuses.SIGNED)
    if problem:
        raise ReportError(problem)
    if len(signature) > SIGNATURE_MAX_BYTES:
        raise ReportError(SIGNATURE_TOO_LARGE)
    # One PDF per report (the report_file_unique_format constraint); the newest row, should that ever change.
    pdf = report.files.filter(format=ReportFormat.PDF).order_by("-pk").first()
    if pdf is None or not pdf.file:
        raise ReportError(NO_PDF)
    with pdf.file.open("rb") as handle:
        original = handle.read()
    # The PDF the head downloaded is the stored one; a file changed in storage is not what anyone signed.
    if hashlib.sha256(original).hexdigest() != pdf.sha256:
        raise ReportError(PDF_DAMAGED)
    try:
        der = cades.load_signature(signature)
    except cades.SignatureUnreadable as error:
        raise ReportError(str(error)) from error
    now = timezone.now()
    verdict = cades.verify_detached(original, der, trust_roots=trust_roots(), now=now)
    if not (verdict.ok and verdict.gost) or verdict.signer is None:
        raise ReportError(_refusal(verdict))
    signed_at = verdict.signed_at
    if signed_at is not None and not pdf.created_at - CLOCK_SKEW <= signed_at <= now + CLOCK_SKEW:
        template = SIGNED_BEFORE_PDF if signed_at < pdf.created_at else SIGNED_IN_FUTURE
        raise ReportError(template.format(when=timezone.localtime(signed_at).strftime("%d.%m.%Y %H:%M")))
    cert = verdict.signer
    mismatch = cades.signer_mismatch(cert, snils=user.snils, full_name=user.full_name)
    if mismatch:
        raise ReportError(mismatch)

    name, _size, signature_sha = _store_bytes(der, _signature_name(report), ".sig")
    kep = ReportSignature(
        report=report,
        signature=name,
        signature_sha256=signature_sha,
        pdf_sha256=pdf.sha256,
        certificate=cert.der,
        owner_name=cert.subject_name[:255],
        snils=cert.snils,
        inn=cert.inn,
        title=cert.title[:255],
        organization=cert.organization[:500],
        serial=cert.serial,
        issuer=cert.issuer[:500],
        not_before=cert.not_before,
        not_after=cert.not_after,
        algorithm=verdict.algorithm[:100],
        signed_at=verdict.signed_at,
        uploaded_by=user,
        verified_at=now,
    )
    kep.full_clean()
    kep.save()
    mark_signed(
        report,
        user,
        now,
        name=cert.subject_name[:255],
        position=cert.title[:255],
        organization=cert.organization[:255],
    )
    ReportEvent.objects.create(
        report=report,
        action=ReportEvent.Action.SIGNED_KEP,
        user=user,
        comment=f"КЭП: {kep.owner_name}, сертификат № {kep.serial}, выдан «{kep.issuer}»",
    )
    _attach_print_copy(report, kep, original)
    return report


def _attach_print_copy(report: Report, kep: ReportSignature, original: bytes) -> ReportFile | None:
    """The print copy of the signed PDF (ГОСТ Р 7.0.97-2025: the mark of the electronic signature and the QR code
    of the verification page) as ReportFormat.PRINT_PDF. A copy that cannot be made is logged, never a reason
    to refuse the signature: the signed original is the document."""
    # Imported here: the copy is drawn with WeasyPrint and pypdf, loaded where a signature is attached only.
    from . import print_copy

    mark = print_copy.SignatureMark(
        owner=kep.owner_name,
        certificate_serial=kep.serial,
        valid_from=_moscow_date(kep.not_before),
        valid_to=_moscow_date(kep.not_after),
        signed_at=kep.signed_at,
        title=kep.title,
        organization=kep.organization,
    )
    try:
        data = print_copy.build_print_copy(
            original, verify_url=verification_url(kep), sha256=kep.pdf_sha256, mark=mark
        )
    except Exception:  # noqa: BLE001 — the signature stands; the copy can be made again
        logger.exception("Отчёт %s: копия для печати не сделана", report.pk)
        return None
    kind = "profile" if report.kind == ReportKind.SCHOOL else "spravka"
    name = f"reports/{report.pk}/kep/{kind}-{report.year}-v{report.version}-print.pdf"
    name, size, sha = _store_bytes(data, name, ".pdf")
    return ReportFile.objects.create(
        report=report, format=ReportFormat.PRINT_PDF, file=name, size=size, sha256=sha
    )


def _moscow_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()  # TIME_ZONE is Europe/Moscow
