import socket

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(name="core.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat(worker: str | None = None) -> None:
    """Record that a worker is alive; the health page reads it. Idempotent: an upsert by worker name."""
    name = worker or f"celery@{socket.gethostname()}"
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"seen_at": timezone.now()})


@shared_task(name="core.tasks.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    call_command("clearsessions")
