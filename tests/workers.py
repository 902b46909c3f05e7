"""Real Celery workers for tests: a `celery worker` process over Redis against the test database."""

import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def private_queue() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@contextmanager
def celery_worker(
    redis_url: str,
    queue: str,
    *,
    log: Path | None = None,
    pool: str = "solo",
    include: str | None = None,
    **extra_env: str,
):
    """Start `celery worker` as its own process on a private queue; stop it by its PID afterwards.

    It listens on ``queue`` and on private copies of every queue of the routes (``<queue>.imports``,
    ``<queue>.reports``… through CELERY_QUEUE_PREFIX), so a task that a task sends (an import's recompute) is run
    by it too, and tests sharing one Redis never take each other's work.

    ``extra_env`` reaches the worker's settings (MEDIA_ROOT, CELERY_VISIBILITY_TIMEOUT…); with ``log`` the
    worker's output goes to that file (readable while it runs) instead of a pipe. ``pool="prefork"`` runs tasks
    in a child process, as production does: a child that dies is replaced and its task delivered again;
    ``include`` is a module the worker imports besides the project's tasks (a test's stand-ins)."""
    if connection.vendor == "sqlite":
        pytest.skip("Обработчик в отдельном процессе не видит тестовую базу SQLite в памяти.")
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "shnor_portal.settings.local",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "SECRET_KEY": "worker-test",
        "DEBUG": "false",
        "CELERY_QUEUE_PREFIX": f"{queue}.",
        **extra_env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shnor_portal",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            *([f"--include={include}"] if include else []),
            "-Q",
            ",".join(worker_queues(queue)),
            "-n",
            f"{queue}-{uuid.uuid4().hex[:4]}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(log, "a") if log else subprocess.PIPE,  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def worker_queues(queue: str) -> list[str]:
    """The queues a test worker listens on: ``queue`` itself and the private copy of each routed queue."""
    from django.conf import settings

    return [queue, *(f"{queue}.{kind}" for kind in ("celery", *settings.TASK_QUEUE_KINDS))]


def producer(redis_url: str):
    """A Celery app that sends to the real broker (the test settings run tasks eagerly otherwise)."""
    from celery import Celery

    # Not the current app: shared tasks (task.app) must keep sending through the project's eager app.
    app = Celery("producer", broker=redis_url, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"])
    return app
