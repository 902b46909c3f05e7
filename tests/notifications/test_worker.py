"""The notifications through the project's real Celery worker (tests/workers.py): the letter is sent by the worker
after the event's transaction commits, once however many times its task is delivered; the digest likewise."""

import time

import pytest
from django.db import transaction

from core import tasks
from notifications import catalogue, services
from notifications.models import Notification
from tests.factories import UserFactory
from tests.workers import celery_worker, private_queue, producer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CONSOLE = "django.core.mail.backends.console.EmailBackend"  # the worker prints its letters into its log


def wait_for(check, process, log, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            pytest.fail(f"Обработчик завершился с кодом {process.returncode}:\n{log.read_text()}")
        time.sleep(0.3)
    pytest.fail(f"Не дождались за {seconds} с. Журнал обработчика:\n{log.read_text()}")


def letters_to(log, address: str) -> int:
    return log.read_text().count(f"To: {address}")


def test_the_worker_sends_each_letter_once(redis_url, tmp_path, monkeypatch):
    queue = private_queue()
    sender = producer(redis_url)
    sender.conf.update(task_default_queue=queue)
    monkeypatch.setattr(tasks, "publisher", lambda task: sender)
    anna = UserFactory(username="anna", email="anna@example.org")
    boris = UserFactory(username="boris", email="boris@example.org")
    log = tmp_path / "worker.log"
    with celery_worker(redis_url, queue, log=log, EMAIL_BACKEND=CONSOLE) as process:
        with transaction.atomic():
            (notification,) = services.notify(
                event=catalogue.FORM_RETURNED,
                recipients=[anna],
                key="form-event:1",
                context={"school": "Школа", "period": "4 квартал 2030 г.", "comment": "Исправьте"},
                url="/diagnostics/forms/1/",
            )
            assert Notification.objects.filter(emailed_at__isnull=False).count() == 0
        # committed: the task went to the worker through Redis
        wait_for(
            lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists(),
            process,
            log,
        )
        sent_at = Notification.objects.get(pk=notification.pk).emailed_at
        # the same task delivered again (a redelivery after a lost worker): no second letter
        sender.send_task("notifications.tasks.notification_email_task", args=[notification.pk], queue=queue)
        sender.send_task("core.tasks.worker_heartbeat", kwargs={"worker": "after-the-duplicate"}, queue=queue)
        wait_for(
            lambda: "after-the-duplicate" in log.read_text() or _beat_seen("after-the-duplicate"),
            process,
            log,
        )

        # the digest, sent twice: one letter
        services.notify(
            event=catalogue.FORM_ACCEPTED,
            recipients=[boris],
            key="form-event:2",
            context={"school": "Школа", "period": "4 квартал 2030 г."},
        )
        for _ in range(2):
            sender.send_task("notifications.tasks.notification_digest_task", queue=queue)
        sender.send_task("core.tasks.worker_heartbeat", kwargs={"worker": "after-the-digests"}, queue=queue)
        wait_for(lambda: _beat_seen("after-the-digests"), process, log)
    assert Notification.objects.get(pk=notification.pk).emailed_at == sent_at
    assert letters_to(log, "anna@example.org") == 1
    assert letters_to(log, "boris@example.org") == 1
    assert Notification.objects.get(recipient=boris).emailed_at is not None


def _beat_seen(name: str) -> bool:
    from core.models import WorkerHeartbeat

    return WorkerHeartbeat.objects.filter(worker=name).exists()
