from celery import shared_task

from .services import roadmap_items_due_notify


@shared_task(name="roadmaps.tasks.roadmap_due_reminders_task")
def roadmap_due_reminders_task() -> int:
    """Daily (beat): roadmap items due in 5 days, to whoever marks their progress. Safe to run twice."""
    return roadmap_items_due_notify()
