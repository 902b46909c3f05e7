"""The date test modules fix when pytest imports them, and the clock that keeps it for their tests.

Many modules compute their expected dates once, at import: ``TODAY``, the days around it, the list year ``Y``
(tests/builders/roadmaps.py, tests/api/test_areas.py, …), and module fixtures build rows with them once per
module. The services under test read ``timezone.localdate()`` when they run. A run that crosses midnight (Moscow
time, settings.TIME_ZONE) would set the two a day apart, and the tests would fail on the date alone. Such a module
is marked ``pytest.mark.today``: tests/conftest.py runs each of its tests (setup and teardown included) inside
``pinned()``, which moves the clock back by the whole days passed since ``TODAY``. On a run that stays within one
day nothing is moved.
"""

import contextlib
from collections.abc import Iterator

import time_machine
from django.utils import timezone

TODAY = timezone.localdate()


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """``timezone.localdate()`` is ``TODAY`` inside: the clock goes back by the days since, and keeps ticking."""
    behind = timezone.localdate() - TODAY
    if not behind:
        yield
        return
    with time_machine.travel(timezone.now() - behind, tick=True):
        yield
