"""Services that write reports: request, build, return, sign, correct.

A build is safe to run twice and to die in the middle of. Files are rendered to a temporary place, moved into
storage under a name unique to the attempt (an atomic rename, so no half-written file is ever visible), and
recorded in one transaction that first checks, under a row lock, that this attempt still owns the report.
A worker that died is replaced by a redelivered task that starts a new attempt; a late finisher of an old
attempt finds it no longer owns the report and removes its files.
"""

import hashlib
import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from asn1crypto import pem as asn1_pem
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from core.db_router import replica_reads
from core.forking import write_beside
from core.models import RoleAssignment
from core.policies import CHANGE, VIEW
from core.roles import Role
from core.tasks import enqueue
from notifications import catalogue as events
from notifications.services import notify, people_who_may
from schools.models import Municipality, School

from . import signing, statuses
from .builders import ReportParams, build
from .models import (
    FORMAT_EXTENSIONS,
    Report,
    ReportEvent,
    ReportFile,
    ReportFormat,
    ReportKind,
    ReportStatus,
    TrustedRoot,
)
from .policies import APPROVE, report_policy

logger = logging.getLogger(__name__)


class ReportError(ValidationError):
    """A report cannot do what was asked; the message is for the user."""


# Who may do what: reports.policies.ReportPolicy (every service below asks it).


# --- request -------------------------------------------------------------------------------------------------


@transaction.atomic
def report_request(
    *,
    user,
    kind: str,
    year: int,
    region_id: int | None = None,
    municipality_id: int | None = None,
    school_id: int | None = None,
    recommendations: str = "",
) -> Report:
    """Order a new version of a report; the build starts after the transaction commits."""
    if kind == ReportKind.SCHOOL:
        if school_id is None:
            raise ReportError("Выберите школу для профиля.")
        school = School.objects.select_related("municipality").get(pk=school_id)
        municipality_id, region_id = school.municipality_id, school.municipality.region_id
    elif municipality_id is not None:
        school_id = None
        region_id = Municipality.objects.values_list("region_id", flat=True).get(pk=municipality_id)
    elif region_id is None:
        raise ReportError("Выберите муниципалитет или регион.")
    report_policy().require_request_for(user, region_id=region_id, municipality_id=municipality_id)
    # None matches a report of no municipality (no school): a region's (a municipality's) справка.
    territory: dict[str, int | None] = {
        "region_id": region_id,
        "municipality_id": municipality_id,
        "school_id": school_id,
    }
    same = Report.objects.select_for_update().filter(kind=kind, year=year, **territory)
    latest = same.order_by("-version").first()
    report = Report(
        kind=kind,
        region_id=region_id,
        municipality_id=municipality_id,
        school_id=school_id,
        year=year,
        version=(latest.version + 1) if latest else 1,
        recommendations=recommendations.strip(),
        requested_by=user,
    )
    report.full_clean()
    report.save()
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.REQUESTED, user=user)
    _schedule(report)
    return report


# Shown as the report's stage while its build could not be queued (the broker was down).
STAGE_UNSENT = "в очереди: очередь задач недоступна, отчёт будет сформирован, когда обработчик вернётся"


def _schedule(report: Report) -> None:
    report_id = report.pk
    transaction.on_commit(lambda: _send(report_id))


def _send(report_id: int) -> bool:
    """Queue the build. When the broker is down the report stays queued with a stage that says so (the user
    is told by core.tasks.enqueue), and requeue_waiting sends it once the broker is back."""

    from .tasks import report_build_task

    if enqueue(report_build_task, report_id):
        return True
    Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(stage=STAGE_UNSENT)
    return False


def requeue_waiting(*, older_than_minutes: int | None = None) -> int:
    """Send again the builds of reports still queued; the number sent. Run by beat (reports.tasks).

    A report waits when its build never reached the queue (STAGE_UNSENT), or when it has been queued longer than
    QUEUE_REQUEUE_AFTER_MINUTES (a message lost with the broker's memory). A message that was only slow to
    come costs one more attempt at most: builds are idempotent and the newest attempt owns the report.
    """
    from django.conf import settings

    minutes = settings.QUEUE_REQUEUE_AFTER_MINUTES if older_than_minutes is None else older_than_minutes
    cutoff = timezone.now() - timedelta(minutes=minutes)
    waiting = Report.objects.filter(status=ReportStatus.QUEUED).filter(
        Q(stage=STAGE_UNSENT) | Q(updated_at__lt=cutoff)
    )
    sent = 0
    for report_id in waiting.order_by("created_at").values_list("pk", flat=True):
        if not _send(report_id):
            break  # still down: the next sweep tries again
        Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
            stage="", updated_at=timezone.now()
        )
        sent += 1
    if sent:
        logger.info("Отчёты снова отправлены в очередь: %s", sent)
    return sent


@transaction.atomic
def report_new_version(*, user, report: Report) -> Report:
    """A correction of a signed (or any) report: a new version with the same territory and recommendations."""
    report_policy().require(user, CHANGE, report)
    latest = (
        # None matches IS NULL, as Django does; the stubs want a value for municipality_id and school_id.
        Report.objects.filter(  # type: ignore[misc]
            kind=report.kind,
            region_id=report.region_id,
            municipality_id=report.municipality_id,
            school_id=report.school_id,
            year=report.year,
        ).aggregate(v=Max("version"))["v"]
        or report.version
    )
    if latest != report.version:
        raise ReportError(f"Уже есть более новая версия отчёта (версия {latest}).")
    new = report_request(
        user=user,
        kind=report.kind,
        year=report.year,
        region_id=report.region_id,
        municipality_id=report.municipality_id,
        school_id=report.school_id,
        recommendations=report.recommendations,
    )
    new.previous = report
    new.save(update_fields=["previous", "updated_at"])  # save(), not update(): the change history records it
    return new


@transaction.atomic
def report_update_recommendations(*, user, report: Report, recommendations: str, rebuild: bool) -> Report:
    """Change the recommendations of a report not yet signed; rebuild it with them when asked."""
    report_policy().require(user, CHANGE, report)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status not in statuses.EDITABLE:
        raise ReportError(
            statuses.move_problem(report.status, statuses.QUEUED) or "Отчёт сейчас формируется, подождите."
        )
    report.recommendations = recommendations.strip()
    report.save(update_fields=["recommendations", "updated_at"])
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.EDITED, user=user)
    if rebuild and report.status != statuses.QUEUED:
        _requeue(report, user=user)
    return report


@transaction.atomic
def report_retry(*, user, report: Report) -> Report:
    """Build again: after a failure, or a returned report after its corrections."""
    report_policy().require(user, CHANGE, report)
    report = Report.objects.select_for_update().get(pk=report.pk)
    problem = statuses.move_problem(report.status, statuses.QUEUED)
    if problem:
        raise ReportError(problem)
    _requeue(report, user=user)
    return report


def _requeue(report: Report, *, user) -> None:
    report.status = ReportStatus.QUEUED
    report.progress = 0
    report.stage = ""
    report.error = ""
    report.save(update_fields=["status", "progress", "stage", "error", "updated_at"])
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.RETRIED, user=user)
    _schedule(report)


# --- build ---------------------------------------------------------------------------------------------------


def _set_progress(report_id: int, attempt: int, percent: int, stage: str) -> None:
    """Progress is written outside any transaction so that the page sees it at once."""
    Report.objects.filter(pk=report_id, attempt=attempt, status=ReportStatus.BUILDING).update(
        progress=min(percent, 99), stage=stage[:255]
    )


def _start(report_id: int) -> Report | None:
    """Take the report for a new attempt; None when there is nothing to build (already built, or signed)."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status not in statuses.IN_PROGRESS:
            return None
        report.status = ReportStatus.BUILDING
        report.attempt += 1
        report.progress = 1
        report.stage = "Сбор данных"
        report.error = ""
        report.started_at = timezone.now()
        report.save(
            update_fields=["status", "attempt", "progress", "stage", "error", "started_at", "updated_at"]
        )
    return report


def _params(report: Report) -> ReportParams:
    return ReportParams(
        kind=report.kind,
        region_id=report.region_id,
        municipality_id=report.municipality_id,
        school_id=report.school_id,
        year=report.year,
        version=report.version,
        recommendations=report.recommendations,
        signer=_signer_line(report),
    )


DEFAULT_SIGNER_POSITION = "Руководитель органа управления образованием"


def _signer_line(report: Report) -> str:
    """The signature requisite printed under the text: «Должность И. О. Фамилия» (the «подпись» requisite of
    ГОСТ Р 7.0.97-2016: the signer's position, the signature, its transcript — initials and surname).

    It names the holder of the certificate that will sign, the one source of who signs: the stamp, the report's
    record, the verification page and the API read the same certificate (report_sign), so the body cannot name
    somebody else — a deputy signing, or whoever's certificate is configured. Only when no signing certificate
    is configured (the справка is then signed outside the portal) does the line come from the territory's head
    (RoleAssignment HEAD), and only if there is exactly one. A certificate configured but unreadable prints no
    line (and is logged): signing waits for it to be fixed, and then the stamp alone names the signer."""
    try:
        holder = signing.holder_from_settings()
    except signing.SigningNotConfigured as error:
        logger.error("Отчёт %s: строка подписи не напечатана: %s", report.pk, error)
        return ""
    if holder is None:
        return _head_line(report)
    name = _initials_and_surname(holder.name)
    return _requisite(holder.position, name) if name else ""


def _initials_and_surname(full_name: str) -> str:
    """«Курочкина Наталья Александровна» (a certificate's commonName) → «Н. А. Курочкина»."""
    parts = full_name.split()
    if not parts:
        return ""
    surname, *given = parts
    return " ".join([*(f"{part[0]}." for part in given), surname])


def _requisite(position: str, name: str) -> str:
    return f"{position or DEFAULT_SIGNER_POSITION} {name}".strip()


def _head_line(report: Report) -> str:
    """The territory's only head, as the requisite; empty when it has none or several."""

    target = (
        {"municipality_id": report.municipality_id}
        if report.municipality_id
        else {"region_id": report.region_id}
    )
    heads = list(
        RoleAssignment.objects.filter(role=Role.HEAD, user__is_active=True, **target).select_related("user")[
            :2
        ]
    )
    if len(heads) != 1:
        return ""
    user = heads[0].user
    initials = " ".join(f"{part[0]}." for part in (user.first_name, user.middle_name) if part)
    return _requisite(user.position, f"{initials} {user.last_name}".strip())


def report_build(report_id: int) -> Report | None:
    """Build every file of a report. Idempotent: a second call for a built report does nothing.

    A failure is recorded on the report (its message shown, a retry offered) and logged; it is not raised."""
    report = _start(report_id)
    if report is None:
        return None
    attempt = report.attempt

    def progress(percent: int, stage: str) -> None:
        _set_progress(report_id, attempt, percent, stage)

    with tempfile.TemporaryDirectory(prefix="report-") as work:
        try:
            # The sections' queries read from the replica when one is configured (core/db_router.py); the
            # progress and the files are written to the primary.
            with replica_reads():
                built = build(_params(report), on_progress=progress)
            files = render_files(built, Path(work), progress=progress)
            progress(97, "Сохранение файлов")
        except Exception as error:  # noqa: BLE001 — any failure is shown to the user and can be retried
            logger.exception("Отчёт %s: ошибка формирования", report_id)
            _fail(report_id, attempt, error)
            return None
        return _finish(report_id, attempt, files, built)


def render_files(built, work: Path, *, progress=None) -> dict[ReportFormat, Path]:
    """The справка's PDF, Excel and Word files written into ``work``.

    The PDF (no queries: its context is in memory) is laid out in a forked child while this process writes the
    Excel and Word files, which read the database (core/forking.py, docs/adr/0003-pdf-beside-excel-and-word.md);
    where a fork is not safe it is laid out here, after them. ``progress(percent, stage)`` is told each stage."""
    # Imported here: WeasyPrint and friends load in the worker that builds, not in every web process.
    from .renderers.docx import render_docx
    from .renderers.pdf import render_pdf
    from .renderers.xlsx import render_xlsx_to

    def tell(percent: int, stage: str) -> None:
        if progress:
            progress(percent, stage)

    # WeasyPrint (~0.5 s to import) is loaded here, in the worker that stays, so each child finds it loaded.
    import weasyprint  # noqa: F401

    pdf = write_beside(lambda path: path.write_bytes(render_pdf(built.context)), work / "report.pdf")
    try:
        tell(70, "Книга Excel")
        xlsx_path = work / "report.xlsx"
        with open(xlsx_path, "wb") as handle:
            render_xlsx_to(_with_workbook_tables(built), handle)
        tell(80, "Документ Word")
        docx_path = _write(str(work), "docx", render_docx(built.context))
        tell(85, "Вёрстка PDF")
        return {ReportFormat.PDF: pdf.wait(), ReportFormat.XLSX: xlsx_path, ReportFormat.DOCX: docx_path}
    finally:
        pdf.cancel()


def _with_workbook_tables(built):
    from dataclasses import replace

    from .context import Section

    extra = Section("data", "Исходные данные", tables=built.workbook_tables)
    return replace(built.context, sections=(*built.context.sections, extra))


def _write(work: str, extension: str, data: bytes) -> Path:
    path = Path(work) / f"report.{extension}"
    path.write_bytes(data)
    return path


def _file_name(report: Report, fmt: str, attempt: int) -> str:
    kind = "profile" if report.kind == ReportKind.SCHOOL else "spravka"
    return f"reports/{report.pk}/{kind}-{report.year}-v{report.version}-a{attempt}-{fmt}.{FORMAT_EXTENSIONS[fmt]}"


def _store(source: Path, name: str) -> tuple[str, int, str]:
    """Move a rendered file into storage atomically; return its name, size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    with open(source, "rb") as src, open(partial, "wb") as dst:
        for chunk in iter(lambda: src.read(1024 * 1024), b""):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(partial, target)  # atomic: the file appears whole or not at all
    return name, size, digest.hexdigest()


def _finish(report_id: int, attempt: int, files: dict[ReportFormat, Path], built) -> Report | None:
    report = Report.objects.get(pk=report_id)
    stored = {fmt: _store(path, _file_name(report, fmt, attempt)) for fmt, path in files.items()}
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status != ReportStatus.BUILDING or report.attempt != attempt:
            # Another attempt took over (this worker was presumed dead): its files are the report's.
            transaction.on_commit(lambda: _remove([name for name, _size, _sha in stored.values()]))
            return None
        old = list(report.files.exclude(format=ReportFormat.SIGNED_PDF).values_list("file", flat=True))
        report.files.all().delete()
        ReportFile.objects.bulk_create(
            ReportFile(report=report, format=fmt, file=name, size=size, sha256=sha)
            for fmt, (name, size, sha) in stored.items()
        )
        report.status = ReportStatus.READY
        report.progress = 100
        report.stage = "Готово"
        report.built_at = timezone.now()
        report.data_as_of = built.as_of
        report.rule_params = built.rule_params
        report.save(
            update_fields=[
                "status",
                "progress",
                "stage",
                "built_at",
                "data_as_of",
                "rule_params",
                "updated_at",
            ]
        )
        built_event = ReportEvent.objects.create(report=report, action=ReportEvent.Action.BUILT)
        _tell(report, events.REPORT_READY, key=f"report-event:{built_event.pk}")
        transaction.on_commit(lambda: _remove(old))
    _remove_strays(report)
    return report


def _remove(names) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def _remove_strays(report: Report) -> None:
    """Files of attempts that died between storing and recording (none is referenced by the database)."""
    folder = f"reports/{report.pk}"
    if not default_storage.exists(folder):
        return
    keep = set(report.files.values_list("file", flat=True))
    _dirs, names = default_storage.listdir(folder)
    for name in names:
        if f"{folder}/{name}" not in keep and not name.startswith("."):
            default_storage.delete(f"{folder}/{name}")


def _fail(report_id: int, attempt: int, error: Exception) -> None:
    message = error.messages[0] if isinstance(error, ValidationError) else "Не удалось сформировать отчёт."
    with transaction.atomic():
        updated = Report.objects.filter(pk=report_id, attempt=attempt, status=ReportStatus.BUILDING).update(
            status=ReportStatus.FAILED, error=f"{message} ({type(error).__name__})", stage=""
        )
        if updated:
            ReportEvent.objects.create(
                report_id=report_id,
                action=ReportEvent.Action.FAILED,
                comment=f"{type(error).__name__}: {error}"[:2000],
            )


def report_abandon(report_id: int, *, message: str) -> bool:
    """A build given up after its worker died twice (core.tasks.JobTask): the report fails with ``message`` and
    can be built again (report_retry); True if it did.

    Only a report still in progress (queued or building) fails. One conditional UPDATE decides, so a report
    built, returned or signed meanwhile keeps its state, and _finish of a build still going (it should not be:
    see core.tasks) finds the report no longer building and discards its files."""
    with transaction.atomic():
        updated = Report.objects.filter(pk=report_id, status__in=statuses.IN_PROGRESS).update(
            status=ReportStatus.FAILED, error=message, stage="", updated_at=timezone.now()
        )
        if updated:
            ReportEvent.objects.create(report_id=report_id, action=ReportEvent.Action.FAILED, comment=message)
    return bool(updated)


# --- review --------------------------------------------------------------------------------------------------


@transaction.atomic
def report_return(*, user, report: Report, comment: str) -> Report:
    report_policy().require(user, APPROVE, report)
    report = Report.objects.select_for_update().get(pk=report.pk)
    problem = statuses.move_problem(report.status, statuses.RETURNED, comment)
    if problem:
        raise ReportError(problem)
    report.status = ReportStatus.RETURNED
    report.save(update_fields=["status", "updated_at"])
    returned = ReportEvent.objects.create(
        report=report, action=ReportEvent.Action.RETURNED, user=user, comment=comment.strip()
    )
    _tell(report, events.REPORT_RETURNED, key=f"report-event:{returned.pk}", comment=comment.strip())
    return report


@transaction.atomic
def report_sign(*, user, report: Report) -> Report:
    """Approve a ready report: its PDF is signed (PAdES) with the department's certificate."""
    report_policy().require(user, APPROVE, report)
    report = Report.objects.select_for_update().get(pk=report.pk)
    problem = statuses.move_problem(report.status, statuses.SIGNED)
    if problem:
        raise ReportError(problem)
    pdf = report.files.get(format=ReportFormat.PDF)
    try:
        pkcs12, password = signing.signer_from_settings()
    except signing.SigningNotConfigured as error:
        raise ReportError(str(error)) from error
    with pdf.file.open("rb") as handle:
        original = handle.read()
    if hashlib.sha256(original).hexdigest() != pdf.sha256:
        raise ReportError(
            "Файл PDF отчёта повреждён (контрольная сумма не совпадает). Сформируйте отчёт заново."
        )
    try:
        # The stamp and this record name the certificate's holder, never the user's profile: the verification
        # reads the certificate back from the file, and all three must agree.
        holder = signing.certificate_holder(pkcs12, password)
        signed = signing.sign_pdf(original, pkcs12=pkcs12, password=password)
    except signing.SigningNotConfigured as error:  # a wrong password or a damaged certificate file
        logger.error("Отчёт %s: подпись не выполнена: %s", report.pk, error)
        raise ReportError(str(error)) from error
    with tempfile.TemporaryDirectory(prefix="report-sign-") as work:
        path = _write(work, "pdf", signed)
        name, size, sha = _store(path, _file_name(report, ReportFormat.SIGNED_PDF, report.attempt))
    ReportFile.objects.create(report=report, format=ReportFormat.SIGNED_PDF, file=name, size=size, sha256=sha)
    if holder.name != (user.full_name or "").strip():
        logger.warning(
            "Отчёт %s утверждён пользователем %s, подписан сертификатом %s", report.pk, user, holder.name
        )
    mark_signed(
        report,
        user,
        timezone.now(),
        name=holder.name,
        position=holder.position,
        organization=holder.organization,
    )
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.SIGNED, user=user)
    return report


def mark_signed(report: Report, user, at, *, name: str, position: str, organization: str) -> None:
    """SIGNED by ``user`` at ``at`` (the seal's report_sign, the КЭП's report_attach_signature): who signed is who
    the certificate names."""
    report.status = ReportStatus.SIGNED
    report.signed_by = user
    report.signed_at = at
    report.signer_name = name
    report.signer_position = position
    report.signer_organization = organization
    report.save(
        update_fields=[
            "status",
            "signed_by",
            "signed_at",
            "signer_name",
            "signer_position",
            "signer_organization",
            "updated_at",
        ]
    )
    _tell(report, events.REPORT_SIGNED, key=f"report:{report.pk}:signed", signer=name)


def _tell(report: Report, event: str, *, key: str, **context) -> None:
    """A report's news: to the methodologist who ordered it (while the report's policy lets them read it) and,
    for a report ready to sign, to the heads whom the policy lets approve it."""
    url = reverse("reports:detail", kwargs={"pk": report.pk})
    requester = report.requested_by
    if requester is not None and report_policy().can(requester, VIEW, report):
        notify(
            event=event,
            recipients=[requester],
            key=key,
            context={"report": report, "for_head": False, **context},
            url=url,
            subject_obj=report,
        )
    if event == events.REPORT_READY:
        notify(
            event=event,
            recipients=people_who_may(report, APPROVE, roles=[Role.HEAD]),
            key=key,
            context={"report": report, "for_head": True, **context},
            url=url,
            subject_obj=report,
        )


# --- verification --------------------------------------------------------------------------------------------


def trust_roots() -> list[bytes]:
    """Every certificate the portal trusts, as DER: the TrustedRoot rows a superuser uploaded, then the files of
    the REPORTS_TRUST_ROOTS setting (PEM or DER; one PEM file may hold several). GOST and RSA alike: the КЭП
    verifier (reports.cades) uses the GOST ones, the seal's (reports.signing) the RSA ones.

    A listed file that cannot be read is logged and left out, so that the other roots still count."""
    from django.conf import settings

    roots = [bytes(der) for der in TrustedRoot.objects.order_by("pk").values_list("certificate", flat=True)]
    for path in settings.REPORTS_TRUST_ROOTS or ():
        try:
            roots.extend(split_certificates(Path(path).read_bytes()))
        except OSError:
            logger.error(
                "Корневой сертификат из REPORTS_TRUST_ROOTS не найден или недоступен: %s — подписи проверяются "
                "без доверенных корней из него",
                path,
            )
    return roots


def split_certificates(blob: bytes) -> list[bytes]:
    """The DER of each certificate in a PEM file (several may follow one another), or the blob itself (DER)."""
    if not asn1_pem.detect(blob):
        return [blob]
    return [der for _kind, _headers, der in asn1_pem.unarmor(blob, multiple=True)]
