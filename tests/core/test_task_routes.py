"""Work is routed to a queue by its kind (settings.CELERY_TASK_ROUTES), so a справка never delays an import."""

import time
import uuid

import pytest
from celery import Celery
from django.conf import settings

from core import tasks
from core.models import WorkerHeartbeat
from shnor_portal.celery import app
from tests.workers import celery_worker, private_queue, producer, worker_queues

# Every task of the project and its queue: a new task must be placed here deliberately.
QUEUE_OF = {
    "core.tasks.import_batch_validate_task": "imports",
    "core.tasks.import_batch_apply_task": "imports",
    "reports.tasks.report_build_task": "reports",
    "schools.tasks.recompute_flags_task": "recompute",
    "diagnostics.tasks.progress_reminders_task": "notifications",
    "roadmaps.tasks.roadmap_due_reminders_task": "notifications",
    "notifications.tasks.notification_email_task": "notifications",
    "notifications.tasks.notification_digest_task": "notifications",
    "notifications.tasks.notification_resend_task": "notifications",
    "core.tasks.worker_heartbeat": "celery",
    "core.tasks.clear_expired_sessions": "celery",
    "core.tasks.requeue_imports_task": "celery",
    "reports.tasks.requeue_reports_task": "celery",
}


def project_tasks() -> set[str]:
    """The project's tasks: not Celery's own, nor those a test module defines (``tests.…``, registered when
    pytest imports that module, e.g. tests/core/test_job_task.py, in the same process)."""
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith(("celery.", "tests."))}


def test_every_task_of_the_project_has_its_queue_in_the_table():
    assert project_tasks() == set(QUEUE_OF)


@pytest.mark.parametrize(("name", "queue"), sorted(QUEUE_OF.items()))
def test_each_task_lands_in_its_queue(name, queue):
    assert app.amqp.router.route({}, name, (), {})["queue"].name == queue


def test_the_routed_queues_are_the_kinds_the_workers_listen_to():
    assert set(QUEUE_OF.values()) == {"celery", *settings.TASK_QUEUE_KINDS}


def test_beat_schedule_sends_each_task_to_its_queue():
    """Beat's entries carry no queue of their own: the routes decide, so the nightly recompute waits for
    the recompute worker, not behind the imports. The heartbeat is the exception: one to every queue, so that
    /health/ hears from each queue's workers (core/queues.py)."""
    heartbeats = {}
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in QUEUE_OF
        if entry["task"] == "core.tasks.worker_heartbeat":
            assert entry["options"]["queue"] == entry["kwargs"]["queue"], name
            heartbeats[name] = entry["options"]["queue"]
        else:
            assert "options" not in entry or "queue" not in entry["options"], name
    assert heartbeats == {
        f"worker-heartbeat-{queue}": queue for queue in ("celery", *sorted(settings.TASK_QUEUE_KINDS))
    }


def test_enqueue_publishes_to_the_queue_of_the_route(monkeypatch):
    """A page sends through core.tasks.enqueue (send_task by name): the routes apply to it too."""
    # Not the current app: later tests of this process keep the project's eager app (shared tasks follow it).
    sender = Celery("routes-test", broker="memory://", set_as_current=False)
    sender.conf.update(
        task_routes=settings.CELERY_TASK_ROUTES,
        task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        task_always_eager=False,
    )
    monkeypatch.setattr(tasks, "publisher", lambda task: sender)
    from reports.tasks import report_build_task
    from schools.tasks import recompute_flags_task

    assert tasks.enqueue(report_build_task, 7)
    assert tasks.enqueue(recompute_flags_task, years=[2024], region_id=3)
    assert tasks.enqueue(tasks.worker_heartbeat, "w")

    with sender.connection_for_read() as connection:
        channel = connection.default_channel
        sizes = {queue: channel._size(queue) for queue in ("reports", "recompute", "celery", "imports")}
        message = channel.basic_get("recompute", no_ack=True)
    assert sizes == {"reports": 1, "recompute": 1, "celery": 1, "imports": 0}
    assert message.headers["task"] == "schools.tasks.recompute_flags_task"


def test_queue_prefix_names_every_queue(monkeypatch):
    """CELERY_QUEUE_PREFIX renames the default queue and each routed one (two portals on one Redis)."""
    import importlib

    import shnor_portal.settings.base as base

    monkeypatch.setenv("CELERY_QUEUE_PREFIX", "staging.")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.CELERY_TASK_DEFAULT_QUEUE == "staging.celery"
        assert {route["queue"] for route in reloaded.CELERY_TASK_ROUTES.values()} == {
            f"staging.{kind}" for kind in settings.TASK_QUEUE_KINDS
        }
    finally:
        monkeypatch.delenv("CELERY_QUEUE_PREFIX")
        importlib.reload(base)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_test_worker_runs_the_tasks_of_every_queue(redis_url, tmp_path):
    """tests/workers.py starts its worker on private copies of all the queues: a task a task sends reaches it."""
    queue = private_queue()
    prefix = f"{queue}."
    sender = producer(redis_url)
    sender.conf.update(
        task_default_queue=f"{prefix}celery",
        task_routes={
            name: {"queue": prefix + route["queue"]} for name, route in settings.CELERY_TASK_ROUTES.items()
        },
    )
    assert worker_queues(queue) == [
        queue,
        *(f"{prefix}{kind}" for kind in ("celery", *settings.TASK_QUEUE_KINDS)),
    ]
    log = tmp_path / "worker.log"
    name = f"routes-{uuid.uuid4().hex[:6]}"
    with celery_worker(redis_url, queue, log=log) as process:
        sender.send_task("schools.tasks.recompute_flags_task", kwargs={"years": [1999]})
        sender.send_task("diagnostics.tasks.progress_reminders_task")
        sender.send_task("core.tasks.worker_heartbeat", kwargs={"worker": name})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = log.read_text() if log.exists() else ""
            done = (
                WorkerHeartbeat.objects.filter(worker=name).exists()
                and "schools.tasks.recompute_flags_task[" in text
                and "diagnostics.tasks.progress_reminders_task[" in text
                and text.count("succeeded in") >= 3
            )
            if done or process.poll() is not None:
                break
            time.sleep(0.3)
        assert process.poll() is None, log.read_text()
        text = log.read_text()
    assert WorkerHeartbeat.objects.filter(worker=name).exists(), text
    assert text.count("succeeded in") == 3, text
