"""tests/today.py: after midnight a module marked ``today`` still sees the date it fixed at import; within the same
day the clock is not moved."""

import datetime

import time_machine
from django.utils import timezone

from tests.today import TODAY, pinned


def test_after_midnight_the_clock_goes_back_to_today_and_keeps_the_time_of_day():
    after_midnight = timezone.make_aware(
        datetime.datetime.combine(TODAY + datetime.timedelta(days=1), datetime.time(0, 2))
    )
    with time_machine.travel(after_midnight, tick=False):
        assert timezone.localdate() == TODAY + datetime.timedelta(days=1)
        with pinned():
            assert timezone.localdate() == TODAY
            assert timezone.localtime().time().replace(microsecond=0) == datetime.time(0, 2)
        assert timezone.localdate() == TODAY + datetime.timedelta(days=1)


def test_on_the_same_day_nothing_is_moved():
    evening = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(23, 58)))
    with time_machine.travel(evening, tick=False), pinned():
        assert timezone.localtime() == evening
