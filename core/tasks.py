import logging
import socket

from celery import shared_task, signals
from django.conf import settings
from django.contrib import messages
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from .logging import request_id
from .models import WorkerHeartbeat

logger = logging.getLogger("core.queue")

QUEUE_DOWN_MESSAGE = "Очередь задач недоступна: задача будет запущена, когда обработчик вернётся."
# The header that carries the id of the web request that scheduled a task into the worker's log lines.
REQUEST_ID_HEADER = "portal_request_id"


# --- sending tasks ------------------------------------------------------------------------------------------


def publisher(task):
    """The Celery app that sends ``task``: its own (a stand-in without one: the project's). A test points this at a
    broker it controls."""
    from celery import current_app

    return getattr(task, "app", None) or current_app


def enqueue(task, *args, **kwargs) -> bool:
    """Send a task to the queue; True when sent. A page calls this after its transaction commits.

    When the broker is down the send is tried a few times within ~2 s (CELERY_TASK_PUBLISH_RETRY_POLICY and the
    socket timeouts in settings), then given up: logged as a warning, the user told with a message, and False
    returned — the page itself works. Nothing is lost, because the job's state is in the database (a report
    «в очереди», an import «загружается»): the sweeps (reports.tasks.requeue_reports_task,
    core.tasks.requeue_imports_task) send it again once the broker is back. Without a broker (the demo) the task
    runs here and now, as ``delay()`` would.
    """
    app = publisher(task)
    if app.conf.task_always_eager:
        task.delay(*args, **kwargs)
        return True
    try:
        app.send_task(
            task.name,
            args=args,
            kwargs=kwargs,
            retry=True,
            retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
            headers={REQUEST_ID_HEADER: request_id.get()},
        )
    except (BrokerError, RedisError, OSError) as error:
        logger.warning("Очередь задач недоступна, задача %s%s не отправлена: %s", task.name, args, error)
        _tell_user()
        return False
    return True


def _tell_user() -> None:
    from .middleware import current_request

    request = current_request()
    if request is not None and not getattr(request, "queue_down_told", False):
        messages.warning(request, QUEUE_DOWN_MESSAGE, fail_silently=True)
        request.queue_down_told = True


@signals.task_prerun.connect
def _adopt_request_id(task=None, **_kwargs) -> None:
    """A task logs with the id of the request that scheduled it (or «-» for beat's own tasks)."""
    request_id.set(getattr(task.request, REQUEST_ID_HEADER, None) or "-")


@signals.task_postrun.connect
def _forget_request_id(**_kwargs) -> None:
    request_id.set("-")


# --- tasks --------------------------------------------------------------------------------------------------


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


@shared_task(name="core.tasks.requeue_imports_task", ignore_result=True)
def requeue_imports_task() -> int:
    """Beat: send again the large imports whose task never reached the queue (core.imports.requeue_waiting)."""
    from .imports import requeue_waiting

    return requeue_waiting()
