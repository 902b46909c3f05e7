"""Redis stops: ordering a report still works — the report waits «в очереди», the user is told, a warning is
logged — and once Redis is back the sweep sends the build and a real worker makes the report.

Redis here is a private redis-server on its own port that the test stops and starts; the portal's tasks are
sent through a producer pointed at it (core.tasks.publisher).
"""

import json
import logging
import time
from types import SimpleNamespace

import pytest
import redis
from django.urls import reverse

from core import tasks
from core.imports import _QUEUED, _UNSENT, requeue_waiting
from core.logging import request_id
from core.models import ImportBatch, WorkerHeartbeat
from reports import services
from reports.models import Report, ReportStatus
from tests.builders.roadmaps import Y, build_programme
from tests.outages import RedisServer, wait_until
from tests.workers import celery_worker, private_queue, producer

pytestmark = pytest.mark.today  # tests/today.py

QUEUE_DOWN = tasks.QUEUE_DOWN_MESSAGE


@pytest.mark.outage
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_report_ordered_while_redis_is_down_waits_and_is_built_when_it_returns(
    client, world, tmp_path, monkeypatch, caplog
):
    build_programme(world)
    server = RedisServer(tmp_path / "redis").start()
    queue = private_queue()
    sender = producer(server.url)
    sender.conf.update(
        task_default_queue=queue,
        broker_connection_timeout=2,
        broker_transport_options={"socket_connect_timeout": 2, "socket_timeout": 5},
    )
    monkeypatch.setattr(tasks, "publisher", lambda task: sender)
    try:
        server.stop()  # Redis is down

        client.force_login(world.users["methodist"])
        payload = {"kind": "territory", "territory": f"m{world.mun_a.pk}", "year": Y, "recommendations": ""}
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="core.queue"):
            response = client.post(reverse("reports:request"), payload, follow=True)
        assert time.monotonic() - started < 5  # the page did not hang on the broker
        assert response.status_code == 200
        page = response.content.decode()
        assert QUEUE_DOWN in page  # the user is told
        assert "в очереди: очередь задач недоступна" in page  # and the report's page says why it waits
        report = Report.objects.get()
        assert report.status == ReportStatus.QUEUED and report.stage == services.STAGE_UNSENT
        assert any(
            "Очередь задач недоступна" in r.getMessage() for r in caplog.records if r.name == "core.queue"
        )

        assert services.requeue_waiting() == 0  # still down: nothing sent, nothing lost
        report.refresh_from_db()
        assert report.stage == services.STAGE_UNSENT

        server.start()  # Redis is back on the same port (empty: it keeps nothing on disk)
        assert services.requeue_waiting() == 1  # the sweep (beat runs it every two minutes)
        report.refresh_from_db()
        assert report.status == ReportStatus.QUEUED and report.stage == ""
        assert redis.Redis.from_url(server.url).llen(queue) == 1
        assert services.requeue_waiting() == 0  # sent once, not at every sweep

        log = tmp_path / "worker.log"
        media = tmp_path / "media"
        with celery_worker(server.url, queue, log=log, MEDIA_ROOT=str(media), LOG_FORMAT="json") as worker:
            # A task sent during a request logs in the worker with that request's id.
            token = request_id.set("rid-queue-outage")
            try:
                assert tasks.enqueue(tasks.worker_heartbeat, "outage-worker")
            finally:
                request_id.reset(token)
            wait_until(
                lambda: (
                    worker.poll() is not None
                    or Report.objects.filter(pk=report.pk, status=ReportStatus.READY).exists()
                ),
                seconds=180,
                what="обработчик сформирует отчёт",
                step=0.3,
            )
            assert worker.poll() is None, log.read_text()
            wait_until(
                lambda: WorkerHeartbeat.objects.filter(worker="outage-worker").exists(),
                seconds=30,
                what="сигнал",
            )
        report.refresh_from_db()
        assert report.status == ReportStatus.READY and report.attempt == 1
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        assert any(line["request_id"] == "rid-queue-outage" for line in lines), log.read_text()[-3000:]
    finally:
        server.stop()


class FakeApp:
    """A broker that is down (``up=False``) or records what it is sent."""

    def __init__(self, up: bool):
        self.up = up
        self.sent = []
        self.conf = SimpleNamespace(task_always_eager=False)

    def send_task(self, name, args=(), kwargs=None, **options):
        if not self.up:
            raise OSError("Connection refused")
        self.sent.append((name, list(args)))


@pytest.mark.django_db
def test_a_large_import_whose_task_was_not_sent_is_sent_by_the_sweep(world, monkeypatch):
    broker = FakeApp(up=False)
    monkeypatch.setattr(tasks, "publisher", lambda task: broker)
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.SCHOOLS,
        status=ImportBatch.Status.PROCESSING,
        region=world.region,
        original_name="школы.xlsx",
        stats={_QUEUED: "validate"},
    )
    from core.imports import _send

    assert _send(tasks.import_batch_validate_task, batch.pk) is False
    batch.refresh_from_db()
    assert batch.stats == {_QUEUED: "validate", _UNSENT: True}
    assert requeue_waiting() == 0  # still down

    broker.up = True
    assert requeue_waiting() == 1
    assert broker.sent == [("core.tasks.import_batch_validate_task", [batch.pk])]
    batch.refresh_from_db()
    assert batch.stats == {_QUEUED: "validate"}
    assert requeue_waiting() == 0
    # A batch waiting longer than QUEUE_REQUEUE_AFTER_MINUTES is sent again even without the mark.
    assert requeue_waiting(older_than_minutes=-1) == 1
