from celery import shared_task

from .services import report_build, requeue_waiting


@shared_task(
    name="reports.tasks.report_build_task", ignore_result=True, acks_late=True, reject_on_worker_lost=True
)
def report_build_task(report_id: int) -> None:
    """Build a report's files. Idempotent: a redelivered task (its worker died) starts a new attempt on an
    unfinished report and leaves a finished one alone. Failures are recorded on the report for the user."""
    report_build(report_id)


@shared_task(name="reports.tasks.requeue_reports_task", ignore_result=True)
def requeue_reports_task() -> int:
    """Beat: send again the builds that never reached the queue or waited too long (services.requeue_waiting)."""
    return requeue_waiting()
