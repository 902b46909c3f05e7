"""api.call_log: the API's calls are written in batches — when the batch is full, when its oldest row has waited a
second (by the next call, or by the thread of a quiet process), when the process ends — each row with the moment
of its own call; a failed write is reported, never raised into an answer."""

import datetime
import logging
import time

import pytest
from django.utils import timezone

from api import call_log
from api.models import ApiCallLog
from tests.api.test_core_api import auth, make_key
from tests.conftest import make_world


@pytest.fixture
def batch(settings, monkeypatch):
    """A batch of three, without the thread (it would write on its own connection, outside the test's
    transaction); the thread has a test of its own."""
    settings.API_CALL_LOG_BATCH = 3
    fresh = call_log._Batch(wake=False)
    monkeypatch.setattr(call_log, "batch", fresh)
    return fresh


@pytest.mark.django_db
def test_calls_are_written_three_at_a_time(client, world, batch):
    _key, raw = make_key(world)
    client.get("/api/v1/ping/", **auth(raw))
    client.get("/api/v1/schools/", **auth(raw))
    assert ApiCallLog.objects.count() == 0  # gathered
    client.get("/api/v1/schools/?page_size=1", **auth(raw))
    calls = list(ApiCallLog.objects.order_by("at"))
    assert [c.endpoint for c in calls] == ["/api/v1/ping/", "/api/v1/schools/", "/api/v1/schools/"]
    assert [c.rows for c in calls] == [None, 3, 1]
    assert all(c.key_id == _key.pk and c.status == 200 for c in calls)


@pytest.mark.django_db
def test_each_row_keeps_the_moment_of_its_call(world, batch, monkeypatch):
    moments = iter([datetime.datetime(2026, 11, 23, 10, 0, n, tzinfo=datetime.UTC) for n in range(3)])
    for _ in range(3):
        batch.add(ApiCallLog(method="GET", endpoint="/api/v1/ping/", status=200, at=next(moments)))
    assert [c.at.second for c in ApiCallLog.objects.order_by("at")] == [0, 1, 2]


@pytest.mark.django_db
def test_an_old_row_is_written_by_the_next_call(world, batch, monkeypatch):
    monkeypatch.setattr(call_log, "FLUSH_SECONDS", 0.05)
    batch.add(ApiCallLog(method="GET", endpoint="/a", status=200, at=timezone.now()))
    assert ApiCallLog.objects.count() == 0
    time.sleep(0.06)
    batch.add(ApiCallLog(method="GET", endpoint="/b", status=200, at=timezone.now()))
    assert ApiCallLog.objects.count() == 2


# The thread writes on a connection of its own: the key must be committed.
@pytest.mark.django_db(transaction=True)
def test_a_quiet_process_writes_its_rows_within_a_second(client, settings, monkeypatch):
    settings.API_CALL_LOG_BATCH = 3
    monkeypatch.setattr(call_log, "FLUSH_SECONDS", 0.1)
    with_thread = call_log._Batch()
    monkeypatch.setattr(call_log, "batch", with_thread)
    world = make_world()
    _key, raw = make_key(world)
    try:
        client.get("/api/v1/ping/", **auth(raw))
        deadline = time.monotonic() + 5
        while not ApiCallLog.objects.exists():
            assert time.monotonic() < deadline, "строка журнала не записана"
            time.sleep(0.05)
    finally:
        with_thread.stop()
    assert ApiCallLog.objects.get().endpoint == "/api/v1/ping/"


@pytest.mark.django_db
def test_a_failed_write_is_reported_not_raised(world, batch, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise RuntimeError("нет места")

    monkeypatch.setattr(ApiCallLog.objects, "bulk_create", refuse)
    with caplog.at_level(logging.ERROR, logger="api"):
        for _ in range(3):
            batch.add(ApiCallLog(method="GET", endpoint="/a", status=200, at=timezone.now()))
    assert "не записано строк: 3" in caplog.text


@pytest.mark.django_db
def test_the_process_end_writes_what_is_left(world, batch):
    batch.add(ApiCallLog(method="GET", endpoint="/a", status=200, at=timezone.now()))
    assert batch.flush() == 1  # what atexit calls
    assert ApiCallLog.objects.count() == 1
    assert batch.flush() == 0


@pytest.mark.django_db
def test_one_at_a_time_when_the_batch_is_one(client, world, settings):
    settings.API_CALL_LOG_BATCH = 1
    _key, raw = make_key(world)
    client.get("/api/v1/ping/", **auth(raw))
    assert ApiCallLog.objects.count() == 1
