"""/health/: every service checked without login, JSON for monitoring, and a broken broker reported in seconds."""

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import WorkerHeartbeat
from core.queues import task_queues
from tests.outages import free_port

pytestmark = pytest.mark.django_db

KEYS = {
    "Database(alias='default')",
    "Cache(alias='default')",
    "Storage(alias='default')",
    "Broker()",
    "Workers()",
}


@pytest.fixture
def services(settings, tmp_path):
    """The production shape: tasks go to a broker (the address set by each test), media in a fresh folder."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def fresh_heartbeat(minutes_ago: float = 0, *, queues=None):
    """A heartbeat from each queue's worker (core/queues.py), as beat's per-queue entries make them."""
    for queue in task_queues() if queues is None else queues:
        WorkerHeartbeat.objects.create(
            worker=f"{queue}@test", queue=queue, seen_at=timezone.now() - timedelta(minutes=minutes_ago)
        )


def get_json(client, path="/health/?format=json", **headers):
    started = time.monotonic()
    response = client.get(path, **headers)
    return response, response.json(), time.monotonic() - started


def test_everything_ok_with_services_up_and_no_login(client, services, redis_url):
    services.CELERY_BROKER_URL = redis_url
    services.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    fresh_heartbeat(minutes_ago=1)
    response, body, _seconds = get_json(client)
    assert response.status_code == 200, body
    assert body == dict.fromkeys(KEYS, "OK")
    assert response["Cache-Control"].startswith("max-age=0")  # never cached by a proxy
    # The same as JSON by the Accept header; as a Russian page in a browser.
    by_header = client.get("/health/", HTTP_ACCEPT="application/json")
    assert by_header.status_code == 200 and by_header.json() == body
    page = client.get("/health/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Портал работает нормально" in text and "Брокер очереди задач" in text
    assert not list(
        (services.MEDIA_ROOT / "health_check_storage_test").glob("*")
    )  # the probe file is removed


def test_a_broker_on_a_closed_port_fails_fast_with_503(client, services):
    services.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    fresh_heartbeat()
    response, body, seconds = get_json(client)
    assert response.status_code == 503
    assert seconds < 5
    assert body["Broker()"].startswith("Unavailable: Нет связи с брокером очереди задач")
    assert {key for key, value in body.items() if value == "OK"} == KEYS - {"Broker()"}
    page = client.get("/health/")
    assert page.status_code == 503 and "Есть неисправности" in page.content.decode()


def test_a_broker_that_accepts_but_never_answers_does_not_hang_the_page(client, services):
    """A hung Redis (the connection is accepted, nothing ever comes back): the socket timeouts end the check."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    services.CELERY_BROKER_URL = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    fresh_heartbeat()
    try:
        response, body, seconds = get_json(client)
    finally:
        stop.set()
        thread.join()
        for sock in held:
            sock.close()
        listener.close()
    assert response.status_code == 503
    assert seconds < 5
    assert body["Broker()"] != "OK"


@pytest.mark.parametrize("minutes_ago", [None, 11])
def test_silent_workers_are_reported_in_russian(client, services, redis_url, minutes_ago):
    services.CELERY_BROKER_URL = redis_url
    services.HEALTH_WORKER_MAX_AGE_MINUTES = 10
    if minutes_ago is not None:
        fresh_heartbeat(minutes_ago=minutes_ago)
    response, body, _seconds = get_json(client)
    assert response.status_code == 503
    if minutes_ago is None:
        assert "Обработчики задач ни разу не выходили на связь" in body["Workers()"]
    else:
        assert "Обработчики задач не выходили на связь больше 10 мин." in body["Workers()"]
    assert body["Broker()"] == "OK"


def test_every_queue_the_routes_name_is_expected():
    assert task_queues() == ["celery", "imports", "notifications", "recompute", "reports"]


def test_a_queue_whose_workers_are_silent_is_named(client, services, redis_url):
    """The default queue's worker is alive, the справки's never ran and the recompute's stopped 11 minutes ago:
    /health/ says which (it used to look at the default queue only, #18)."""
    services.CELERY_BROKER_URL = redis_url
    services.HEALTH_WORKER_MAX_AGE_MINUTES = 10
    fresh_heartbeat(minutes_ago=1, queues=["celery", "imports", "notifications"])
    fresh_heartbeat(minutes_ago=11, queues=["recompute"])
    late = timezone.localtime(WorkerHeartbeat.objects.get(queue="recompute").seen_at).strftime(
        "%d.%m.%Y %H:%M"
    )
    response, body, _seconds = get_json(client)
    assert response.status_code == 503
    assert body["Workers()"] == (
        "Unavailable: Обработчики задач не выходили на связь больше 10 мин. "
        f"(очереди «recompute» — последний сигнал {late}; «reports» — ни разу): работа этих очередей "
        "(отчёты, большие загрузки, пересчёт статусов, письма) ждёт; проверьте их worker и beat"
    )
    assert {key for key, value in body.items() if value == "OK"} == KEYS - {"Workers()"}

    for queue in ("recompute", "reports"):  # a second worker of each, alive
        WorkerHeartbeat.objects.create(worker=f"{queue}@second", queue=queue, seen_at=timezone.now())
    response, body, _seconds = get_json(client)
    assert response.status_code == 200 and body == dict.fromkeys(KEYS, "OK")


def test_the_demo_without_a_broker_needs_no_worker(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert settings.CELERY_TASK_ALWAYS_EAGER  # tasks run in the web process
    response, body, _seconds = get_json(client)
    assert response.status_code == 200, body
    assert body == dict.fromkeys(KEYS, "OK")


def test_the_web_check_leaves_out_the_queue(client, services):
    services.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    response, body, _seconds = get_json(client, "/health/web/?format=json")
    assert response.status_code == 200
    assert set(body) == {"Database(alias='default')", "Cache(alias='default')", "Storage(alias='default')"}


def test_an_address_list_closes_the_page_to_others(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HEALTH_CHECK_ALLOWED_IPS = ["10.20.30.40"]
    assert client.get("/health/?format=json").status_code == 404
    assert client.get("/health/?format=json", REMOTE_ADDR="10.20.30.40").status_code == 200
