from celery import shared_task

from .services import progress_reminders_send


@shared_task(name="diagnostics.tasks.progress_reminders_task")
def progress_reminders_task() -> int:
    """Daily: remind school admins of unsubmitted quarterly forms. Safe to run twice (one mail per kind)."""
    return progress_reminders_send()
