"""A job that kills its worker is not delivered a third time (issue #17, item 1): a real worker, with its tasks in
child processes as in production (prefork), runs an import, a report and a recomputation that each kill the
process running them (tests/core/crashing_jobs.py). Each is delivered twice, dies twice, then is given up: the
import and the report are «ошибка» with a message, and the task queued after them runs.

Before core.tasks.JobTask counted deliveries, each of these messages came back forever (180 times in 75 s) and
nothing after them ran.
"""

import io
import re
import time
from pathlib import Path

import pytest

from core.imports import import_batch_store
from core.models import ImportBatch, TaskDelivery, WorkerHeartbeat
from core.tasks import MAX_DELIVERIES, WORKER_LOST_TWICE
from reports import services
from reports.models import Report, ReportStatus
from tests.builders.roadmaps import seed_catalogues
from tests.core.crashing_jobs import CRASH_RECOMMENDATIONS, CRASH_YEAR, INSTALL_ENV
from tests.workers import celery_worker, private_queue, producer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RESULTS = (
    "Код ОО;Год;Вид;Предмет;Класс;Участников;Неудовлетворительно\n"
    "sch610001;2024;ВПР;Математика;5;27;5\n"
    "sch610002;2024;ВПР;Математика;5;20;1\n"
)


def wait_for(condition, *, seconds: float, process, log: Path, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(
                f"Обработчик завершился ({process.returncode}) раньше, чем {what}:\n{log.read_text()}"
            )
        time.sleep(0.2)
    pytest.fail(f"За {seconds} с не дождались: {what}. Вывод обработчика:\n{log.read_text()}")


def stored_batch(world, name: str) -> ImportBatch:
    return import_batch_store(
        kind="results",
        file=io.BytesIO(RESULTS.encode()),
        name=name,
        region=world.region,
        user=world.users["methodist"],
    )


def test_a_job_that_kills_its_worker_twice_is_given_up_and_the_queue_goes_on(
    world, redis_url, tmp_path, settings, monkeypatch, request
):
    seed_catalogues()  # the procedure kinds of the good import: an earlier transactional test flushed them
    settings.MEDIA_ROOT = tmp_path / "media"
    log = tmp_path / "worker.log"
    request.addfinalizer(lambda: print(log.read_text() if log.exists() else "(нет вывода обработчика)"))
    queue = private_queue()
    sender = producer(redis_url)
    monkeypatch.setattr(services, "_schedule", lambda report: None)  # sent below, in the test's order

    crash_import = stored_batch(world, "crash.csv")
    report = services.report_request(
        user=world.users["methodist"],
        kind="territory",
        year=2026,
        municipality_id=world.mun_a.pk,
        recommendations=CRASH_RECOMMENDATIONS,
    )
    good_import = stored_batch(world, "results.csv")
    sender.send_task("core.tasks.import_batch_validate_task", args=[crash_import.pk], queue=queue)
    sender.send_task("reports.tasks.report_build_task", args=[report.pk], queue=queue)
    sender.send_task("schools.tasks.recompute_flags_task", kwargs={"years": [CRASH_YEAR]}, queue=queue)
    sender.send_task("core.tasks.import_batch_validate_task", args=[good_import.pk], queue=queue)

    with celery_worker(
        redis_url,
        queue,
        log=log,
        pool="prefork",
        include="tests.core.crashing_jobs",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        **{INSTALL_ENV: "1"},
    ) as worker:
        # A message whose worker was lost goes back to the end of the queue: the good import runs between the
        # deliveries of the others; each of the three is then given up on its third delivery.
        wait_for(
            lambda: (
                ImportBatch.objects.filter(pk=good_import.pk, status=ImportBatch.Status.VALIDATED).exists()
                and ImportBatch.objects.filter(pk=crash_import.pk, status=ImportBatch.Status.FAILED).exists()
                and Report.objects.filter(pk=report.pk, status=ReportStatus.FAILED).exists()
                and "recompute_flags_task {'years': [1999]} не выполнена" in log.read_text()
            ),
            seconds=300,
            process=worker,
            log=log,
            what="три аварийные задачи будут остановлены, а обычная — выполнена",
        )
        heartbeat = "test-after-the-crashes"
        sender.send_task("core.tasks.worker_heartbeat", kwargs={"worker": heartbeat}, queue=queue)
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(worker=heartbeat).exists(),
            seconds=60,
            process=worker,
            log=log,
            what="очередь пойдёт дальше",
        )

    crash_import.refresh_from_db()
    assert crash_import.status == ImportBatch.Status.FAILED
    assert [error["message"] for error in crash_import.errors] == [
        f"{WORKER_LOST_TWICE} Ничего не загружено. Проверьте файл (нет ли в нём данных далеко за таблицей или "
        "огромных ячеек), сохраните его как CSV или обратитесь к администратору."
    ]
    report.refresh_from_db()
    assert (report.status, report.error, report.attempt) == (ReportStatus.FAILED, WORKER_LOST_TWICE, 2)
    assert report.get_status_display() == "ошибка"
    assert list(report.events.values_list("action", flat=True)) == ["requested", "failed"]

    output = log.read_text()
    # Each of the three jobs killed its process exactly twice; the third delivery ran nothing.
    assert len(re.findall(r"exited with 'signal 9 \(SIGKILL\)'", output)) == 3 * MAX_DELIVERIES, output
    for task in (
        f"core.tasks.import_batch_validate_task ({crash_import.pk},)",
        f"reports.tasks.report_build_task ({report.pk},)",
        "schools.tasks.recompute_flags_task {'years': [1999]}",
    ):
        assert f"Задача {task} не выполнена: её обработчик дважды завершился аварийно" in output
    assert not TaskDelivery.objects.exists()  # nothing left counted: every message ended
