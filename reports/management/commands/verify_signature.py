"""``manage.py verify_signature PDF [--sig SIG] [--json]``: the verdict on a document, for a person or a script.

- PDF with ``--sig``: the detached КЭП (CAdES-BES, ГОСТ Р 34.10-2012) by ``reports.cades.verify_detached``;
- PDF alone: the portal's seal inside it (PAdES) by ``reports.signing.verify_pdf``.
Trust roots: ``reports.services.trust_roots()`` (the TrustedRoot rows and the REPORTS_TRUST_ROOTS files); each
verifier uses the kind it can (GOST for the КЭП, RSA for the seal).

Exit status (issue #22 §2): 0 — valid, intact and trusted; 1 — anything else; 2 — a file cannot be read (missing,
not a PDF, not a signature). ``--json`` prints ``reports.cades.Verdict.as_json()``'s shape; for the seal the same
keys as far as they apply (no СНИЛС/ИНН in a seal certificate: empty strings), plus "kind": "kep" | "seal".
"""

import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from pyhanko.pdf_utils.reader import PdfFileReader

from reports import cades, services, signing
from reports.verdict_text import certificate_json, signer_json

EXIT_NOT_OK = 1
EXIT_UNREADABLE = 2


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(
            f"Не удаётся прочитать {what} {path}: {exc.strerror or exc}", returncode=EXIT_UNREADABLE
        ) from exc


def _seal_certificate(data: bytes) -> cades.CertificateInfo | None:
    """The seal's signer certificate, read back from the PDF for the JSON's signer/certificate keys."""
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_regular_signatures
        return cades.parse_certificate(signatures[-1].signer_cert.dump()) if signatures else None
    except Exception:  # whatever pyHanko raises on a damaged file: verify_pdf has already said what is wrong
        return None


def seal_json(verification: signing.Verification, certificate: cades.CertificateInfo | None) -> dict:
    """A seal's verdict with the keys of ``cades.Verdict.as_json``."""
    ok = verification.ok
    return {
        "kind": "seal",
        "signature_valid": verification.valid,
        "intact": verification.intact and verification.covers_whole_file,
        "trusted": verification.trusted,
        "algorithm": certificate.algorithm if certificate else "",
        "signer": None
        if not verification.signed
        else signer_json(
            name=verification.signer,
            snils=certificate.snils if certificate else "",
            inn=certificate.inn if certificate else "",
            title=verification.position,
            organization=verification.organization,
        ),
        "certificate": None
        if certificate is None
        else certificate_json(
            serial=certificate.serial,
            issuer=certificate.issuer,
            not_before=certificate.not_before.isoformat(),
            not_after=certificate.not_after.isoformat(),
        ),
        "signed_at": verification.signed_at.isoformat() if verification.signed_at else None,
        "summary": verification.summary,
        "reasons": [] if ok else [verification.summary],
        "details": list(verification.details),
    }


class Command(BaseCommand):
    help = (
        "Проверяет подпись документа: PDF с отсоединённой подписью КЭП (--sig) или PDF с печатью портала. "
        "Код выхода: 0 — подпись действительна, документ не изменён, сертификат доверенный; 1 — иначе; "
        "2 — файл не читается."
    )

    def add_arguments(self, parser):
        parser.add_argument("pdf", help="PDF-документ")
        parser.add_argument("--sig", help="файл отсоединённой подписи (.sig: DER, base64 или PEM)")
        parser.add_argument("--json", action="store_true", help="вывести результат в JSON")

    def handle(self, *args, pdf: str, sig: str | None = None, json: bool = False, **options):
        document = _read(pdf, "документ")
        if sig is not None:
            signature = _read(sig, "файл подписи")
            try:
                verdict = cades.verify_detached(document, signature, trust_roots=services.trust_roots())
            except cades.SignatureUnreadable as exc:
                raise CommandError(str(exc), returncode=EXIT_UNREADABLE) from exc
            data = {"kind": "kep", **verdict.as_json()}
            ok = verdict.ok
            lines = self._kep_lines(verdict)
        else:
            verification = signing.verify_pdf(document, trust_roots=services.trust_roots())
            if verification.summary in (signing.NOT_PDF, signing.NOT_READABLE):
                raise CommandError(f"{verification.summary}: {pdf}", returncode=EXIT_UNREADABLE)
            data = seal_json(verification, _seal_certificate(document) if verification.signed else None)
            ok = verification.ok
            lines = [verification.summary, *verification.details]
        if json:
            self.stdout.write(_dumps(data))
        else:
            self.stdout.write("\n".join(lines))
        if not ok:
            raise SystemExit(EXIT_NOT_OK)

    @staticmethod
    def _kep_lines(verdict: cades.Verdict) -> list[str]:
        lines = [verdict.summary]
        signer = verdict.signer
        if signer is not None:
            lines.append(f"Владелец сертификата: {signer.subject_name}")
            for label, value in (
                ("Должность", signer.title),
                ("Организация", signer.organization),
                ("СНИЛС", cades.format_snils(signer.snils) if signer.snils else ""),
                ("ИНН", signer.inn),
                ("Сертификат выдан", signer.issuer),
                ("Серийный номер сертификата", signer.serial),
            ):
                if value:
                    lines.append(f"{label}: {value}")
            lines.append(
                f"Срок действия сертификата: с {signer.not_before.astimezone(cades.MOSCOW):%d.%m.%Y}"
                f" по {signer.not_after.astimezone(cades.MOSCOW):%d.%m.%Y}"
            )
        if verdict.signed_at:
            lines.append(
                f"Время подписания: {verdict.signed_at.astimezone(cades.MOSCOW):%d.%m.%Y %H:%M} (МСК)"
            )
        if verdict.algorithm:
            lines.append(f"Алгоритм: {verdict.algorithm}")
        lines += [f"Проблема: {reason}" for reason in verdict.reasons]
        lines += [f"Примечание: {note}" for note in verdict.notes]
        for cosigner in verdict.cosigners:
            name = cosigner.signer.subject_name if cosigner.signer else "—"
            lines.append(f"Ещё одна подпись: {name} — {cosigner.summary}")
        return lines


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
