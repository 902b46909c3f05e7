import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def on_day(monkeypatch):
    """Sets the portal's clock to noon of a day (``timezone.now`` and so ``timezone.localdate``): a quarterly
    form may be sent only from its quarter's last month on (diagnostics.progress.submit_opens), whatever today is."""

    def set_day(day: datetime.date) -> None:
        moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_day
