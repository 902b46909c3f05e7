from core.tasks import job_task

from .flags import flags_recompute_years


@job_task(name="schools.tasks.recompute_flags_task")
def recompute_flags_task(years: list[int] | None = None, region_id: int | None = None) -> None:
    """Recompute ШНОР decisions. Idempotent (an upsert of decisions), so a redelivered task is harmless; after two
    lost workers it is logged and dropped (core.tasks.JobTask): the previous decisions stay, the next run redoes it.

    ``years`` are list years; None means every list year the results allow (the nightly run).
    """
    flags_recompute_years(years=years, region_id=region_id)
