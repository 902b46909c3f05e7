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


@shared_task(name="core.tasks.import_batch_validate_task", ignore_result=True)
def import_batch_validate_task(batch_id: int) -> None:
    """Validate a large uploaded file (the preview). Idempotent: a batch validated already is left alone."""
    from .imports import import_batch_validate_queued

    import_batch_validate_queued(batch_id=batch_id)


@shared_task(name="core.tasks.import_batch_apply_task", ignore_result=True)
def import_batch_apply_task(batch_id: int) -> None:
    """Write a confirmed large file. Idempotent: the batch row is locked and an applied batch is not applied again."""
    from .imports import import_batch_apply_queued

    import_batch_apply_queued(batch_id=batch_id)
