"""Loaded into a test worker (``celery worker --include``): jobs that kill the process running them, as a native
crash on a hostile file did (issue #17). Only the jobs marked for it die; the others run as usual. The stand-ins
are installed only where INSTALL_ENV is set (the worker), not in the test process that imports the markers."""

import os
import signal

import reports.services
import schools.results_import  # noqa: F401 - registers the results importer
import schools.tasks
from core.imports import IMPORTERS

INSTALL_ENV = "PORTAL_TEST_CRASHING_JOBS"
CRASH_FILE_PREFIX = "crash"
CRASH_RECOMMENDATIONS = "CRASH"
CRASH_YEAR = 1999


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _crashing_importer_run(original):
    def run(*, name: str, **kwargs):
        if name.startswith(CRASH_FILE_PREFIX):
            die()
        return original(name=name, **kwargs)

    return run


def _crashing_build(original):
    def build(params, **kwargs):
        if params.recommendations == CRASH_RECOMMENDATIONS:
            die()
        return original(params, **kwargs)

    return build


def _crashing_recompute(original):
    def recompute(*, years=None, region_id=None):
        if years == [CRASH_YEAR]:
            die()
        return original(years=years, region_id=region_id)

    return recompute


if os.environ.get(INSTALL_ENV):
    results = IMPORTERS["results"]
    results.run = _crashing_importer_run(results.run)
    reports.services.build = _crashing_build(reports.services.build)
    schools.tasks.flags_recompute_years = _crashing_recompute(schools.tasks.flags_recompute_years)
