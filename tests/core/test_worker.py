"""A real Celery worker process over Redis runs a task, and its effect is visible in the database."""

import os
import signal
import time
import uuid

import pytest
from django.conf import settings

from core.models import WorkerHeartbeat
from tests.workers import celery_worker, private_queue, producer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(redis_url):
    queue = private_queue()
    with celery_worker(redis_url, queue) as process:
        yield queue, process


def test_real_worker_runs_task_and_writes_to_database(worker, redis_url):
    queue, process = worker
    name = f"test-worker-{uuid.uuid4().hex[:6]}"
    producer(redis_url).send_task("core.tasks.worker_heartbeat", kwargs={"worker": name}, queue=queue)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if WorkerHeartbeat.objects.filter(worker=name).exists():
            break
        if process.poll() is not None:
            pytest.fail(f"Обработчик завершился с кодом {process.returncode}:\n{process.stdout.read()}")
        time.sleep(0.3)
    else:
        os.kill(process.pid, signal.SIGTERM)
        pytest.fail(f"Задача не выполнена за 60 с. Вывод обработчика:\n{process.communicate(timeout=20)[0]}")
    heartbeat = WorkerHeartbeat.objects.get(worker=name)
    assert heartbeat.seen_at is not None
    assert settings.CELERY_TASK_ACKS_LATE is True
