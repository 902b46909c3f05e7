from celery import shared_task

from .flags import flags_recompute_years


@shared_task(name="schools.tasks.recompute_flags_task", ignore_result=True)
def recompute_flags_task(years: list[int] | None = None, region_id: int | None = None) -> None:
    """Recompute ШНОР decisions. Idempotent (an upsert of decisions), so a redelivered task is harmless.

    ``years`` are list years; None means every list year the results allow (the nightly run).
    """
    flags_recompute_years(years=years, region_id=region_id)
