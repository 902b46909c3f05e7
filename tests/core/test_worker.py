"""A real Celery worker process over Redis runs a task, and its effect is visible in the database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.models import WorkerHeartbeat

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(redis_url):
    """Start `celery worker` as its own process on a private queue; stop it by its PID afterwards."""
    if connection.vendor == "sqlite":
        pytest.skip("Обработчик в отдельном процессе не видит тестовую базу SQLite в памяти.")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shnor_portal.settings.local",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "SECRET_KEY": "worker-test",
        "DEBUG": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shnor_portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue, process
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_real_worker_runs_task_and_writes_to_database(worker, redis_url):
    from celery import Celery

    queue, process = worker
    # A producer bound to the real broker (the test settings run tasks eagerly otherwise).
    producer = Celery("producer", broker=redis_url)
    producer.conf.update(task_serializer="json", accept_content=["json"])
    name = f"test-worker-{uuid.uuid4().hex[:6]}"
    producer.send_task("core.tasks.worker_heartbeat", kwargs={"worker": name}, queue=queue)

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
