"""The Celery queues the portal sends work to: the default one and each one the task routes name
(settings CELERY_TASK_DEFAULT_QUEUE, CELERY_TASK_ROUTES). Beat sends a heartbeat to each of them
(shnor_portal/celery.py) and ``/health/`` expects one from each (core.health.Workers), so a stopped worker of
any queue shows, not only the default queue's. No models here: the Celery app imports it before Django is set up.
"""

from django.conf import settings


def task_queues() -> list[str]:
    """The default queue first, then the routed ones by name (with the CELERY_QUEUE_PREFIX they carry)."""
    default = settings.CELERY_TASK_DEFAULT_QUEUE
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} - {default}
    return [default, *sorted(routed)]


def heartbeat_schedule(every_seconds: float = 60.0) -> dict[str, dict]:
    """Beat's heartbeat entries: one per queue, sent to that queue (the one exception to «the routes decide»:
    the heartbeat proves that queue's workers, so it must be taken from it)."""
    return {
        f"worker-heartbeat-{queue}": {
            "task": "core.tasks.worker_heartbeat",
            "schedule": every_seconds,
            "kwargs": {"queue": queue},
            "options": {"queue": queue},
        }
        for queue in task_queues()
    }
