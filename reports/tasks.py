from celery import shared_task

from core.tasks import WORKER_LOST_TWICE, job_task

from .services import report_abandon, report_build, requeue_waiting


def _gave_up(report_id: int) -> None:
    report_abandon(report_id, message=WORKER_LOST_TWICE)


@job_task(name="reports.tasks.report_build_task", gave_up=_gave_up)
def report_build_task(report_id: int) -> None:
    """Build a report's files. Idempotent: a redelivered task (its worker died) starts a new attempt on an
    unfinished report and leaves a finished one alone; after two lost workers the report fails (core.tasks.JobTask).
    Failures are recorded on the report for the user."""
    report_build(report_id)


@shared_task(name="reports.tasks.requeue_reports_task", ignore_result=True)
def requeue_reports_task() -> int:
    """Beat: send again the builds that never reached the queue or waited too long (services.requeue_waiting)."""
    return requeue_waiting()
