"""A worker killed (SIGKILL) in the middle of a report: after a new worker starts, the report is built once."""

import hashlib
import os
import signal
import time
from pathlib import Path

import pytest

from reports import services
from reports.models import Report, ReportFormat, ReportStatus
from schools.models import FlagStatus
from tests.builders.roadmaps import Y, build_programme, decide
from tests.builders.schools import add
from tests.factories import SchoolFactory
from tests.workers import celery_worker, private_queue, producer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.today]

VISIBILITY_TIMEOUT = 3  # s: how soon Redis hands an unacknowledged message to another worker


def wait_for(condition, *, seconds: float, process, log: Path, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(
                f"Обработчик завершился ({process.returncode}) раньше, чем {what}:\n{log.read_text()}"
            )
        time.sleep(0.05)
    pytest.fail(f"За {seconds} с не дождались: {what}. Вывод обработчика:\n{log.read_text()}")


def municipality_of_forty(world):
    build_programme(world)
    for n in range(40):
        school = SchoolFactory(municipality=world.mun_a, code=f"sch68{n:04d}", name=f"МБОУ «СОШ №{n + 3}»")
        decide(school, Y, FlagStatus.SHNOR)
        for year in range(Y - 4, Y):
            for subject in ("математика", "русский язык"):
                add(school, "ВПР", subject, 5, year, (n + year) % 9, 20)


def test_a_report_survives_its_worker_being_killed(world, redis_url, tmp_path, monkeypatch):
    municipality_of_forty(world)
    media = tmp_path / "media"
    queue = private_queue()
    sender = producer(redis_url)
    monkeypatch.setattr(
        services,
        "_schedule",
        lambda report: sender.send_task("reports.tasks.report_build_task", args=[report.pk], queue=queue),
    )
    env = {"MEDIA_ROOT": str(media), "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}

    log = tmp_path / "worker.log"
    with celery_worker(redis_url, queue, log=log, **env) as first:
        report = services.report_request(
            user=world.users["methodist"], kind="territory", year=Y, municipality_id=world.mun_a.pk
        )
        wait_for(
            lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.BUILDING).exists(),
            seconds=60,
            process=first,
            log=log,
            what="обработчик возьмёт отчёт",
        )
        os.kill(first.pid, signal.SIGKILL)  # mid-build: the message stays unacknowledged
        first.wait(timeout=10)
    report.refresh_from_db()
    assert report.status == ReportStatus.BUILDING and report.attempt == 1

    with celery_worker(redis_url, queue, log=log, **env) as second:
        wait_for(
            lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.READY).exists(),
            seconds=240,  # the visibility timeout, then the build (seconds here; more on a loaded machine)
            process=second,
            log=log,
            what="новый обработчик сформирует отчёт",
        )
        time.sleep(VISIBILITY_TIMEOUT + 1)  # a second delivery, if there were one, would run now
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert report.attempt == 2  # exactly one more attempt, and it finished
    assert list(report.events.values_list("action", flat=True)) == ["requested", "built"]
    files = list(report.files.all())
    assert sorted(f.format for f in files) == sorted([ReportFormat.PDF, ReportFormat.XLSX, ReportFormat.DOCX])
    on_disk = {str(p.relative_to(media)) for p in Path(media).rglob("*") if p.is_file()}
    assert on_disk == {f.file.name for f in files}  # no half-written file, no second copy
    for stored in files:
        data = (media / stored.file.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == stored.sha256
