"""Report jobs: request → build → review → signature; exactly-once builds; versions; who may do what."""

import hashlib
import logging
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from reports import services, signing, verification
from reports.models import Report, ReportEvent, ReportFile, ReportFormat, ReportStatus
from reports.verdict_text import Personal
from tests.builders.module import module_fixture
from tests.builders.roadmaps import Y, build_programme

pytestmark = [pytest.mark.django_db, pytest.mark.today]


@module_fixture
def programme_rows(world):
    return build_programme(world)


@pytest.fixture
def programme(programme_rows, media, signing_settings):
    return programme_rows


def request(world, user="methodist", **kwargs):
    return services.report_request(
        user=world.users[user], kind="territory", year=Y, municipality_id=world.mun_a.pk, **kwargs
    )


def built(world, django_capture_on_commit_callbacks, **kwargs) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        report = request(world, **kwargs)
    report.refresh_from_db()
    return report


def stored_files(media) -> set[str]:
    return {str(p.relative_to(media)) for p in Path(media).rglob("*") if p.is_file()}


def test_request_builds_every_file_with_its_checksum(
    programme, world, media, django_capture_on_commit_callbacks
):
    report = built(world, django_capture_on_commit_callbacks, recommendations="  Провести семинар.  ")
    assert report.status == ReportStatus.READY
    assert report.progress == 100
    assert report.recommendations == "Провести семинар."
    assert report.data_as_of is not None and report.built_at is not None
    files = {f.format: f for f in report.files.all()}
    assert set(files) == {ReportFormat.PDF, ReportFormat.XLSX, ReportFormat.DOCX}
    for stored in files.values():
        data = stored.file.read()
        assert hashlib.sha256(data).hexdigest() == stored.sha256
        assert len(data) == stored.size
    assert stored_files(media) == {f.file.name for f in files.values()}
    assert list(report.events.values_list("action", flat=True)) == ["requested", "built"]


def test_a_second_build_of_a_built_report_does_nothing(
    programme, world, media, django_capture_on_commit_callbacks
):
    report = built(world, django_capture_on_commit_callbacks)
    before = stored_files(media)
    assert services.report_build(report.pk) is None
    assert stored_files(media) == before
    assert ReportFile.objects.filter(report=report).count() == 3


def test_a_build_left_by_a_dead_worker_is_taken_over(
    programme, world, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report = request(world)
    # A worker took the job (attempt 1), wrote a file and died before recording it.
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.BUILDING, attempt=1, progress=40)
    stray = Path(media) / "reports" / str(report.pk) / "spravka-stray-a1-pdf.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF-1.7 half")
    services.report_build(report.pk)  # the redelivered task
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.attempt == 2
    assert stored_files(media) == set(report.files.values_list("file", flat=True))
    assert all("-a2-" in name for name in report.files.values_list("file", flat=True))


def test_a_late_finisher_of_an_old_attempt_records_nothing(
    programme, world, media, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report = request(world)
    original_start = services._start

    def start_then_lose_ownership(report_id):
        taken = original_start(report_id)
        # While this worker renders, it is presumed dead and another attempt takes the report.
        Report.objects.filter(pk=report_id).update(attempt=taken.attempt + 1)
        return taken

    monkeypatch.setattr(services, "_start", start_then_lose_ownership)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_build(report.pk) is None
    report.refresh_from_db()
    assert report.status == ReportStatus.BUILDING  # left to the attempt that owns it
    assert not report.files.exists()
    assert stored_files(media) == set()


def test_failure_is_shown_in_russian_and_can_be_retried(
    programme, world, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("connection reset")

    monkeypatch.setattr(services, "build", broken)
    report = built(world, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.FAILED
    assert report.error.startswith("Не удалось сформировать отчёт.")
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_retry(user=world.users["methodist"], report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert [e.action for e in report.events.all()] == ["requested", "failed", "retried", "built"]


def test_head_signs_and_the_signed_pdf_validates(programme, world, django_capture_on_commit_callbacks):
    report = built(world, django_capture_on_commit_callbacks)
    head = world.users["head"]
    services.report_sign(user=head, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED and report.signed_by == head
    signed = report.files.get(format=ReportFormat.SIGNED_PDF)
    data = signed.file.read()
    assert hashlib.sha256(data).hexdigest() == signed.sha256
    verdict = signing.verify_pdf(data, trust_roots=signing.trust_roots_from_settings())
    assert (
        verdict.signed and verdict.intact and verdict.valid and verdict.trusted and verdict.covers_whole_file
    )
    pdf = report.files.get(format=ReportFormat.PDF).file.read()
    assert data.startswith(pdf)  # an incremental signature: the approved bytes are kept as they were


@pytest.mark.parametrize("user", ["methodist", "analyst", "school_admin", "regional_methodist"])
def test_only_a_head_signs(programme, world, user, django_capture_on_commit_callbacks):
    report = built(world, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        services.report_sign(user=world.users[user], report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY


def test_a_signed_report_never_changes_a_correction_is_a_new_version(
    programme, world, django_capture_on_commit_callbacks
):
    report = built(world, django_capture_on_commit_callbacks, recommendations="Первая редакция.")
    services.report_sign(user=world.users["head"], report=report)
    methodist = world.users["methodist"]
    with pytest.raises(services.ReportError, match="подписан и не изменяется"):
        services.report_retry(user=methodist, report=report)
    with pytest.raises(services.ReportError, match="подписан и не изменяется"):
        services.report_update_recommendations(
            user=methodist, report=report, recommendations="x", rebuild=True
        )
    with django_capture_on_commit_callbacks(execute=True):
        new = services.report_new_version(user=methodist, report=report)
    new.refresh_from_db()
    assert (new.version, new.previous_id, new.status) == (2, report.pk, ReportStatus.READY)
    assert new.recommendations == "Первая редакция."
    with pytest.raises(services.ReportError, match="более новая версия"):
        services.report_new_version(user=methodist, report=report)


def test_return_needs_a_comment_and_the_methodologist_rebuilds(
    programme, world, django_capture_on_commit_callbacks
):
    report = built(world, django_capture_on_commit_callbacks)
    head = world.users["head"]
    with pytest.raises(services.ReportError, match="что нужно исправить"):
        services.report_return(user=head, report=report, comment="  ")
    services.report_return(user=head, report=report, comment="Добавить выводы по ОГЭ.")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    with pytest.raises(services.ReportError):
        services.report_sign(user=head, report=report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_update_recommendations(
            user=world.users["methodist"], report=report, recommendations="Выводы по ОГЭ.", rebuild=True
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.version == 1
    assert ReportEvent.objects.filter(
        report=report, action="returned", comment="Добавить выводы по ОГЭ."
    ).exists()


def test_signing_without_a_certificate_says_so_and_changes_nothing(
    programme, world, settings, django_capture_on_commit_callbacks
):
    report = built(world, django_capture_on_commit_callbacks)
    settings.REPORTS_SIGNING_PKCS12 = ""
    with pytest.raises(services.ReportError, match="подпись отчётов не настроена"):
        services.report_sign(user=world.users["head"], report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert not report.files.filter(format=ReportFormat.SIGNED_PDF).exists()


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("methodist", True),
        ("head", True),
        ("regional_methodist", True),
        ("analyst", False),
        ("school_admin", False),
        ("mentor", False),
        ("nobody", False),
    ],
)
def test_who_may_order_a_municipal_report(programme, world, user, allowed):
    if allowed:
        assert request(world, user=user).version == 1
    else:
        with pytest.raises(PermissionDenied):
            request(world, user=user)


def test_a_municipal_methodologist_cannot_order_another_municipality(programme, world):
    with pytest.raises(PermissionDenied):
        services.report_request(
            user=world.users["methodist"], kind="territory", year=Y, municipality_id=world.mun_b.pk
        )
    with pytest.raises(PermissionDenied):
        services.report_request(
            user=world.users["methodist"], kind="territory", year=Y, region_id=world.region.pk
        )


def test_versions_count_per_territory_and_year(programme, world):
    assert [request(world).version for _ in range(3)] == [1, 2, 3]
    assert request(world, user="head").version == 4
    other = services.report_request(
        user=world.users["regional_methodist"], kind="territory", year=Y, municipality_id=world.mun_b.pk
    )
    assert other.version == 1


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        ("methodist", {"a", "a1"}),
        ("head", {"a", "a1"}),
        ("regional_methodist", {"a", "a1", "b", "region"}),
        ("analyst", {"a", "a1", "b", "region"}),
        ("school_admin", {"a1"}),
        ("tutor", set()),
        ("nobody", set()),
    ],
)
def test_each_role_sees_exactly_its_reports(programme, world, user, sees):
    regional = world.users["regional_methodist"]
    made = {
        "a": request(world),
        "a1": services.report_request(user=regional, kind="school", year=Y, school_id=world.school_a1.pk),
        "b": services.report_request(user=regional, kind="territory", year=Y, municipality_id=world.mun_b.pk),
        "region": services.report_request(user=regional, kind="territory", year=Y, region_id=world.region.pk),
    }
    visible = set(Report.objects.visible_to(world.users[user]).values_list("pk", flat=True))
    assert {name for name, report in made.items() if report.pk in visible} == sees


def test_without_a_certificate_the_signature_line_names_the_territorys_only_head(programme, world, settings):
    settings.REPORTS_SIGNING_PKCS12 = ""  # with one, the holder is named (tests/reports/test_signer.py)
    head = world.users["head"]
    head.first_name, head.middle_name, head.last_name = "Ирина", "Олеговна", "Кравченко"
    head.position = "Начальник отдела образования"
    head.save()
    report = request(world)
    assert services._signer_line(report) == "Начальник отдела образования И. О. Кравченко"
    region_report = services.report_request(
        user=world.users["regional_methodist"], kind="territory", year=Y, region_id=world.region.pk
    )
    assert services._signer_line(region_report) == ""  # no head of the region: the stamp names the signer


def test_verification_with_a_missing_trust_root_answers_and_logs(world, settings, caplog):
    settings.REPORTS_TRUST_ROOTS = ["/nonexistent/root.pem"]
    with caplog.at_level(logging.ERROR, logger="reports.services"):
        result = verification.verify_upload(b"%PDF-1.7 not really", personal=Personal.MASKED)
    assert (result.shown.kind, result.shown.ok, result.seal.signed, result.known) == (
        "seal",
        False,
        False,
        None,
    )
    assert [r.getMessage() for r in caplog.records if r.name == "reports.services"] == [
        "Корневой сертификат из REPORTS_TRUST_ROOTS не найден или недоступен: /nonexistent/root.pem — подписи "
        "проверяются без доверенных корней из него"
    ]
