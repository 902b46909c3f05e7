import logging
import socket
from collections.abc import Callable
from datetime import timedelta

from celery import Task, shared_task, signals
from django.conf import settings
from django.contrib import messages
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from .logging import request_id
from .models import TaskDelivery, WorkerHeartbeat

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


# --- jobs: acknowledged late, given up after two lost workers ----------------------------------------------

# A job's task is acknowledged only when it ends (acks_late, reject_on_worker_lost): a worker killed mid-task
# (a deployment, the out-of-memory killer) leaves the message to be delivered again, and the job, idempotent,
# is done by the next worker. But a job that itself kills its worker (a native crash on a hostile file) would
# come back forever — 180 times in 75 s in issue #17 — and stop reports, imports and recomputes for everyone.
# So every delivery is counted in the database before the job runs, in a transaction of its own (a death
# cannot undo it), and the third delivery of the same message runs nothing: the job is marked «ошибка» with a
# message, the message is acknowledged and the queue goes on. It is the dead-letter rule of brokers that have
# one (Amazon SQS maxReceiveCount, RabbitMQ's delivery-limit); Redis has none.
#
# A delivery counted here means a lost worker, never a slow one. Redis hands an unacknowledged message out
# again once its visibility timeout has passed, whether or not the worker that holds it is alive
# (https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#redis-visibility-timeout).
# That timeout is CELERY_TASK_TIME_LIMIT + 600 s (settings.base; docs/operations.md asks no less), and a task still
# running at CELERY_TASK_TIME_LIMIT is killed by its worker, which then acknowledges the message
# (task_acks_on_failure_or_timeout, Celery's default). So a message is acknowledged, or its worker gone, before
# Redis could give it to a second worker: a job is never delivered again while it runs. (Jobs are sent without a
# countdown, which would keep a message unacknowledged in a worker before it starts.) A message comes back only
# when its worker was lost: a child process killed (rejected and requeued at once, reject_on_worker_lost) or the
# whole worker (restored by Redis after the visibility timeout).
MAX_DELIVERIES = 2
WORKER_LOST_TWICE = (
    "Обработка прервалась дважды: обработчик задач аварийно завершался на этой задаче, и она остановлена, "
    "чтобы не мешать остальным."
)
# A counted delivery whose message has not come back for this long will not come back (the queue was purged,
# Redis lost its data, the task was killed at its hard time limit and acknowledged): the sweep forgets it
# (forget_lost_deliveries). A lost worker's message is back within the visibility timeout, then waits its turn
# in the queue; the margin covers that wait and a worker host down overnight. Forgetting too early costs little:
# a message that crashes its worker is counted from one again.
DELIVERY_FORGET_MARGIN = timedelta(days=1)


class JobTask(Task):
    """The base of every task that runs a user's job (imports, reports, recomputes): see MAX_DELIVERIES.

    Declared with ``job_task``, which names ``gave_up(*args, **kwargs)``: called with the task's arguments
    instead of the job on the delivery after two lost workers, to record the job as failed (the services
    it calls change only a job still in progress)."""

    acks_late = True
    reject_on_worker_lost = True
    gave_up: Callable[..., None] | None = None

    def __call__(self, *args, **kwargs):
        if self.request.called_directly:  # a plain function call
            return super().__call__(*args, **kwargs)
        task_id = self.request.id
        if self.request.is_eager or not task_id:  # run here and now (no broker): never redelivered
            return self.run(*args, **kwargs)
        delivery = None
        try:
            delivery = _count_delivery(task_id, self.name)
            if delivery > MAX_DELIVERIES:
                logger.error(
                    "Задача %s %s не выполнена: её обработчик дважды завершился аварийно",
                    self.name,
                    args or kwargs,
                )
                if self.gave_up is not None:
                    self.gave_up(*args, **kwargs)
                return None
            return self.run(*args, **kwargs)
        finally:
            if delivery is not None:
                # Ended, so not lost with its worker: the count goes — but only the count this run set. Should
                # the message ever be delivered again while this run goes on (see above: it should not), the
                # newer delivery has raised the count, and its run removes the row when it ends.
                TaskDelivery.objects.filter(task_id=task_id, deliveries=delivery).delete()


def _count_delivery(task_id: str, name: str) -> int:
    """This delivery's number, committed before the job runs."""
    with transaction.atomic():
        delivery, _created = TaskDelivery.objects.select_for_update().get_or_create(
            task_id=task_id, defaults={"name": name[:255]}
        )
        delivery.deliveries += 1
        delivery.save(update_fields=["deliveries", "last_at"])
    return delivery.deliveries


def forget_lost_deliveries() -> int:
    """Delete the counts of deliveries whose message will not come back (DELIVERY_FORGET_MARGIN); how many.

    Run by the imports' sweep (requeue_imports_task). A job still running was delivered less than
    CELERY_TASK_TIME_LIMIT ago, well within the visibility timeout: its count is never taken."""
    visibility = timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    cutoff = timezone.now() - visibility - DELIVERY_FORGET_MARGIN
    deleted, _by_model = TaskDelivery.objects.filter(last_at__lt=cutoff).delete()
    if deleted:
        logger.info("Забыты доставки задач, которые не вернулись в очередь: %s", deleted)
    return deleted


def job_task(*, name: str, gave_up: Callable[..., None] | None = None, **options):
    """``shared_task`` for a job: acknowledged late, and ``gave_up`` called instead after two lost workers."""
    return shared_task(
        name=name,
        base=JobTask,
        gave_up=staticmethod(gave_up) if gave_up else None,
        ignore_result=True,
        **options,
    )


# --- tasks --------------------------------------------------------------------------------------------------


@shared_task(name="core.tasks.worker_heartbeat", ignore_result=True, bind=True)
def worker_heartbeat(self, worker: str | None = None, queue: str | None = None) -> None:
    """Record that a worker took a task from ``queue`` (beat sends one to each queue: core/queues.py); the
    health page reads it. Idempotent: an upsert by worker and queue."""
    name = worker or self.request.hostname or f"celery@{socket.gethostname()}"
    queue = (
        queue or (self.request.delivery_info or {}).get("routing_key") or settings.CELERY_TASK_DEFAULT_QUEUE
    )
    WorkerHeartbeat.objects.update_or_create(worker=name, queue=queue, defaults={"seen_at": timezone.now()})


@shared_task(name="core.tasks.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    call_command("clearsessions")


def _import_gave_up(batch_id: int) -> None:
    from .imports import import_batch_abandon

    import_batch_abandon(batch_id=batch_id, message=WORKER_LOST_TWICE)


@job_task(name="core.tasks.import_batch_validate_task", gave_up=_import_gave_up)
def import_batch_validate_task(batch_id: int) -> None:
    """Validate a large uploaded file (the preview). Idempotent: a batch validated already is left alone."""
    from .imports import import_batch_validate_queued

    import_batch_validate_queued(batch_id=batch_id)


@job_task(name="core.tasks.import_batch_apply_task", gave_up=_import_gave_up)
def import_batch_apply_task(batch_id: int) -> None:
    """Write a confirmed large file. Idempotent: the batch row is locked and an applied batch is not applied again."""
    from .imports import import_batch_apply_queued

    import_batch_apply_queued(batch_id=batch_id)


@shared_task(name="core.tasks.requeue_imports_task", ignore_result=True)
def requeue_imports_task() -> int:
    """Beat: send again the large imports whose task never reached the queue (core.imports.requeue_waiting); and
    forget the counted deliveries of messages that will not come back (forget_lost_deliveries)."""
    from .imports import requeue_waiting

    forget_lost_deliveries()
    return requeue_waiting()
