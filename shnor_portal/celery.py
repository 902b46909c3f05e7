"""The Celery application. Tasks are discovered in every app's ``tasks.py``."""

import os

from celery import Celery
from celery.schedules import crontab

from core.queues import heartbeat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor_portal.settings.local")

app = Celery("shnor_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code so that it is reviewed and versioned like everything else.
app.conf.beat_schedule = {
    # Every minute a heartbeat to each queue (core/queues.py): /health/ shows a queue whose workers are silent.
    **heartbeat_schedule(),
    "recompute-flags-nightly": {
        "task": "schools.tasks.recompute_flags_task",
        "schedule": crontab(hour=2, minute=0),  # after the evening imports, before the working day
    },
    "progress-form-reminders": {
        "task": "diagnostics.tasks.progress_reminders_task",
        "schedule": crontab(hour=8, minute=0),  # morning mail: 5 days before the deadline and the day after
    },
    "roadmap-item-reminders": {
        "task": "roadmaps.tasks.roadmap_due_reminders_task",
        "schedule": crontab(hour=8, minute=5),  # roadmap items due in 5 days, with the forms' reminders
    },
    # … and the immediate letters whose task never reached the queue (notifications.services).
    "resend-notifications": {
        "task": "notifications.tasks.notification_resend_task",
        "schedule": 600.0,
    },
    "notification-digest": {
        "task": "notifications.tasks.notification_digest_task",
        "schedule": crontab(hour=7, minute=0),  # yesterday's notifications, read before the working day
    },
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
    # Jobs whose task never reached the queue (Redis was down when a page sent it) are sent again once it is up.
    "requeue-reports": {
        "task": "reports.tasks.requeue_reports_task",
        "schedule": 120.0,
    },
    # … and the counted deliveries of job messages that will not come back are forgotten (core.tasks).
    "requeue-imports": {
        "task": "core.tasks.requeue_imports_task",
        "schedule": 120.0,
    },
}
