"""The delivery limit of jobs without a worker (issue #17, item 1; the real worker: test_job_deliveries.py).

A job given up after two lost workers fails only if it is still in progress; a run removes only the delivery
count it set; the counts of messages that will not come back are forgotten by the imports' sweep.
"""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.imports import import_batch_abandon, import_batch_store
from core.models import ImportBatch, TaskDelivery
from core.tasks import (
    DELIVERY_FORGET_MARGIN,
    MAX_DELIVERIES,
    WORKER_LOST_TWICE,
    _count_delivery,
    job_task,
    requeue_imports_task,
)
from reports import services
from reports.models import Report, ReportEvent, ReportStatus
from shnor_portal.celery import app

pytestmark = pytest.mark.django_db

RESULTS = (
    "Код ОО;Год;Вид;Предмет;Класс;Участников;Неудовлетворительно\nsch610001;2024;ВПР;Математика;5;27;5\n"
)
OUTCOME = {"errors": 0, "rows": 1}  # what a batch that ended records (a sample)
GIVEN_UP_MESSAGE = (
    f"{WORKER_LOST_TWICE} Ничего не загружено. Проверьте файл (нет ли в нём данных далеко за таблицей или "
    "огромных ячеек), сохраните его как CSV или обратитесь к администратору."
)


def stored_batch(world, **kwargs) -> ImportBatch:
    return import_batch_store(
        kind="results",
        file=io.BytesIO(RESULTS.encode()),
        name="results.csv",
        region=world.region,
        user=world.users["methodist"],
        **kwargs,
    )


# --- giving up changes only a job in progress ---------------------------------------------------------------


@pytest.mark.parametrize("status", [status for status, _label in ImportBatch.Status.choices])
def test_a_given_up_batch_fails_only_while_it_is_processing(world, media, status):
    batch = stored_batch(world, options={"year": 2024})
    ended = status != ImportBatch.Status.PROCESSING
    if ended:  # validated, applied… by a copy of the task: its outcome stays
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=status, stats=OUTCOME, errors=[], total_rows=1, processed_rows=1
        )

    assert import_batch_abandon(batch_id=batch.pk, message=WORKER_LOST_TWICE) is (not ended)

    batch.refresh_from_db()
    if ended:
        assert (batch.status, batch.stats, batch.errors, batch.total_rows) == (status, OUTCOME, [], 1)
    else:
        assert batch.status == ImportBatch.Status.FAILED
        assert batch.errors == [{"row": 0, "column": "", "message": GIVEN_UP_MESSAGE}]
        assert batch.stats == {"unread": 1, "errors": 1, "options": {"year": 2024}}
        assert (batch.total_rows, batch.processed_rows) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_given_up_batch_is_not_failed_under_an_apply_that_succeeds(world, media):
    """The apply holds the batch's row lock while it writes; giving up waits for it, then leaves it applied."""
    batch = stored_batch(world)
    ImportBatch.objects.filter(pk=batch.pk).update(stats={"queued": "apply"})
    locked, hold = threading.Event(), 1.0

    def apply_elsewhere():
        try:
            with transaction.atomic():
                ImportBatch.objects.select_for_update().get(pk=batch.pk)
                locked.set()
                time.sleep(hold)
                ImportBatch.objects.filter(pk=batch.pk).update(
                    status=ImportBatch.Status.APPLIED, stats=OUTCOME
                )
        finally:
            connection.close()

    other = threading.Thread(target=apply_elsewhere)
    other.start()
    assert locked.wait(10)
    started = time.monotonic()
    given_up = import_batch_abandon(batch_id=batch.pk, message=WORKER_LOST_TWICE)
    waited = time.monotonic() - started
    other.join(10)

    assert given_up is False
    assert waited > hold / 2  # it did wait for the apply's lock
    batch.refresh_from_db()
    assert (batch.status, batch.stats, batch.errors) == (ImportBatch.Status.APPLIED, OUTCOME, [])


@pytest.mark.parametrize("status", [status for status, _label in ReportStatus.choices])
def test_a_given_up_report_fails_only_while_it_is_in_progress(world, monkeypatch, status):
    monkeypatch.setattr(services, "_schedule", lambda report: None)
    report = services.report_request(
        user=world.users["methodist"], kind="territory", year=2026, municipality_id=world.mun_a.pk
    )
    Report.objects.filter(pk=report.pk).update(status=status, error="", stage="этап")
    in_progress = status in {ReportStatus.QUEUED, ReportStatus.BUILDING}

    assert services.report_abandon(report.pk, message=WORKER_LOST_TWICE) is in_progress

    report.refresh_from_db()
    events = list(report.events.values_list("action", "comment"))
    if in_progress:
        assert (report.status, report.error, report.stage) == (ReportStatus.FAILED, WORKER_LOST_TWICE, "")
        assert events == [(ReportEvent.Action.REQUESTED, ""), (ReportEvent.Action.FAILED, WORKER_LOST_TWICE)]
    else:
        assert (report.status, report.error, report.stage) == (status, "", "этап")
        assert events == [(ReportEvent.Action.REQUESTED, "")]


# --- the delivery count -----------------------------------------------------------------------------------

RUNS: list = []
GAVE_UP: list = []


def _gave_up(number: int) -> None:
    GAVE_UP.append(number)


@job_task(name="tests.core.test_job_task.job", gave_up=_gave_up)
def job(number: int, during=None) -> None:
    RUNS.append(number)
    if during is not None:
        during()


@pytest.fixture
def delivered():
    """Run ``job`` as a worker does for a delivered message (not eagerly, not as a plain call)."""
    RUNS.clear()
    GAVE_UP.clear()
    task = app.tasks[job.name]

    def run(task_id: str, *args):
        task.push_request(id=task_id, called_directly=False, is_eager=False, args=args, kwargs={})
        try:
            return task(*args)
        finally:
            task.pop_request()

    return run


def test_an_ended_run_leaves_no_count(delivered):
    delivered("message-1", 7)
    assert RUNS == [7]
    assert not TaskDelivery.objects.exists()


def test_the_third_delivery_runs_nothing_and_gives_the_job_up(delivered):
    TaskDelivery.objects.create(task_id="message-1", name=job.name, deliveries=MAX_DELIVERIES)
    delivered("message-1", 7)
    assert (RUNS, GAVE_UP) == ([], [7])
    assert not TaskDelivery.objects.exists()


def test_a_run_removes_only_the_count_it_set(delivered):
    """Were the message delivered again while a run goes on, the end of the first run keeps the newer count."""
    delivered("message-1", 7, lambda: _count_delivery("message-1", job.name))
    assert RUNS == [7]
    assert list(TaskDelivery.objects.values_list("task_id", "deliveries")) == [("message-1", 2)]


# --- forgetting the counts of messages that will not come back ---------------------------------------------


def test_the_imports_sweep_forgets_counts_whose_message_did_not_come_back(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": 3600,
    }
    forget_after = timedelta(seconds=3600) + DELIVERY_FORGET_MARGIN
    now = timezone.now()
    ages = {
        "lost": forget_after + timedelta(minutes=1),  # the queue purged, Redis wiped, a hard time limit
        "restoring": forget_after - timedelta(minutes=1),  # a dead worker's message may still come back
        "running": timedelta(minutes=5),
    }
    for task_id, age in ages.items():
        TaskDelivery.objects.create(task_id=task_id, name=job.name, deliveries=1)
        TaskDelivery.objects.filter(task_id=task_id).update(last_at=now - age)

    assert requeue_imports_task() == 0  # no import to send again

    assert set(TaskDelivery.objects.values_list("task_id", flat=True)) == {"restoring", "running"}
    assert app.conf.beat_schedule["requeue-imports"] == {
        "task": requeue_imports_task.name,
        "schedule": 120.0,
    }
