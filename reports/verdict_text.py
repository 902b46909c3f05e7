"""The verdicts of the two verifiers, worded for a reader who knows nothing of cryptography.

Pure: no Django, no models. ``from_kep`` takes the verdict on a detached КЭП (``reports.cades.Verdict``),
``from_seal`` the verdict on the portal's seal inside a PDF (``reports.signing.Verification``); both give a
``Shown``: one lead sentence, then rows «what — value» in plain words, then what went wrong and what was not
checked. The verification pages and their tests read only ``Shown``.

What a public page may show of the signer (152-ФЗ «О персональных данных»: СНИЛС and a person's ИНН are personal
data; the verification pages are open to anyone):
- ``Personal.MASKED`` — the open upload page. The reader brought the signature, so the certificate with the full
  СНИЛС and ИНН is already in their hands (any КЭП tool shows it); the page still shows only the last two digits,
  enough to recognise one's own certificate, because a page gets screenshotted, printed and shown on a projector.
- ``Personal.OMITTED`` — the page behind the QR code: the reader holds only the paper, so the page shows no more
  than the paper prints (ГОСТ Р 7.0.97-2025: the mark of the electronic signature — certificate, owner, validity).
- ``Personal.FULL`` — the API and the command, whose caller sent the certificate itself and wants the exact values.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # only for the annotations: the module works on any object of the same shape
    from .cades import Verdict
    from .signing import Verification

MOSCOW = ZoneInfo("Europe/Moscow")

# Neither verifier asks a certification centre whether a certificate was revoked: the pages make no network
# calls (a CRL of a large CA is tens of MB; OCSP needs the CA's service to answer for every page view). Where the
# reader can ask instead:
REVOCATION_HINT = (
    "Не отозван ли сертификат, можно узнать в программе для работы с электронной подписью (например, КриптоАРМ) "
    "или на портале госуслуг, в сервисе «Подтверждение подлинности электронной подписи»."
)
NOT_CHECKED_SEAL_REVOCATION = (
    "Не проверялось, не отозван ли сертификат печати: проверка выполняется без обращения к сети."
)

YES_NO = {True: "да", False: "нет"}


class Personal(enum.Enum):
    MASKED = "masked"
    OMITTED = "omitted"
    FULL = "full"


@dataclass(frozen=True)
class Shown:
    kind: str  # "kep" — a person's КЭП (PDF + .sig); "seal" — the portal's seal inside the PDF
    ok: bool  # signature valid, document intact, certificate trusted: the only state to rely on
    lead: str  # the one sentence the page leads with
    rows: tuple[tuple[str, str], ...]  # «what» — «value», in the order shown
    reasons: tuple[str, ...] = ()  # what is wrong, one plain sentence each
    not_checked: tuple[str, ...] = ()


def moscow_time(moment: datetime.datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M МСК")


def moscow_date(moment: datetime.datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y")


def mask_digits(value: str) -> str:
    """«11223344595» → «***-***-*** 95» (СНИЛС); «770123456789» → «**********89» (ИНН): the last two digits only."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if not digits:
        return ""
    if len(digits) == 11:  # СНИЛС, written ХХХ-ХХХ-ХХХ YY
        return f"***-***-*** {digits[-2:]}"
    return "*" * (len(digits) - 2) + digits[-2:]


def _personal(value: str, personal: Personal) -> str:
    if personal is Personal.FULL:
        return value
    if personal is Personal.MASKED:
        return mask_digits(value)
    return ""


def _rows(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value)


def from_kep(verdict: Verdict, *, personal: Personal) -> Shown:
    """A detached КЭП (CAdES-BES, ГОСТ Р 34.10-2012) over the document."""
    cert = verdict.signer
    rows: list[tuple[str, str]] = []
    if cert is not None:
        rows += [
            ("Кто подписал", cert.subject_name),
            ("Должность", cert.title),
            ("Организация", cert.organization),
            ("СНИЛС", _personal(cert.snils, personal)),
            ("ИНН", _personal(cert.inn, personal)),
        ]
    if verdict.signed_at is not None:
        rows.append(("Когда подписан", moscow_time(verdict.signed_at) + ", по часам подписавшего"))
    if cert is not None:
        rows += [
            ("Сертификат подписи", f"серийный номер {cert.serial}"),
            ("Кем выдан сертификат", cert.issuer),
            (
                "Срок действия сертификата",
                f"с {moscow_date(cert.not_before)} по {moscow_date(cert.not_after)}",
            ),
        ]
    rows += [
        ("Вид подписи", verdict.algorithm),
        ("Документ не изменён после подписания", YES_NO[verdict.intact]),
        ("Подпись верна", YES_NO[verdict.signature_valid]),
        ("Сертификат выдан доверенным удостоверяющим центром", YES_NO[verdict.trusted]),
    ]
    return Shown(
        kind="kep",
        ok=verdict.ok,
        lead=verdict.summary,
        rows=_rows(rows),
        reasons=tuple(verdict.reasons),
        not_checked=(*verdict.notes, REVOCATION_HINT),
    )


def seal_lead(verification: Verification) -> str:
    """The seal is the portal's, not a person's signature: ``signing`` says so in its summary («Печать портала:
    файл не изменён с …»); the page makes it a sentence."""
    summary = verification.summary
    return summary if summary.endswith(".") else summary + "."


def from_seal(verification: Verification) -> Shown:
    """The portal's seal (PAdES, RSA) inside the PDF, as ``reports.signing.verify_pdf`` judged it."""
    if not verification.signed:
        return Shown(kind="seal", ok=False, lead=seal_lead(verification), rows=())
    rows = [
        ("Сертификат печати выдан на", verification.signer),
        ("Должность в сертификате", verification.position),
        ("Организация", verification.organization),
    ]
    if verification.signed_at is not None:
        rows.append(("Когда поставлена печать", moscow_time(verification.signed_at)))
    if verification.serial:
        rows.append(("Сертификат печати", f"серийный номер {verification.serial}"))
    rows.append(("Кем выдан сертификат", verification.issuer))
    if verification.not_before and verification.not_after:
        rows.append(
            (
                "Срок действия сертификата",
                f"с {moscow_date(verification.not_before)} по {moscow_date(verification.not_after)}",
            )
        )
    rows += [
        ("Вид подписи", verification.algorithm),
        ("Файл не изменён после печати", YES_NO[verification.intact]),
        ("Печать верна", YES_NO[verification.valid]),
        ("После печати в файл ничего не дописано", YES_NO[verification.covers_whole_file]),
        ("Сертификат выдан доверенным удостоверяющим центром", YES_NO[verification.trusted]),
    ]
    return Shown(
        kind="seal",
        ok=verification.ok,
        lead=seal_lead(verification),
        rows=_rows(rows),
        reasons=tuple(verification.problems),
        not_checked=(NOT_CHECKED_SEAL_REVOCATION,),
    )


# The JSON of a verdict (``cades.Verdict.as_json``, the command's ``--json`` for a seal, the API's answer): the
# signer and the certificate keep one shape whichever verifier gave them. The values go in as the caller holds
# them (the command writes the dates as ISO strings, the API hands datetimes to its serializer).


def signer_json(*, name: str, snils: str, inn: str, title: str, organization: str) -> dict:
    return {"name": name, "snils": snils, "inn": inn, "title": title, "organization": organization}


def certificate_json(*, serial, issuer: str, not_before, not_after) -> dict:
    return {"serial": serial, "issuer": issuer, "not_before": not_before, "not_after": not_after}
