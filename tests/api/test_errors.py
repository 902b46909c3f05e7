"""The API answers JSON in the one error format whatever failed (issue #17, item 4): an address outside its
routes, a lost database, an unexpected exception, a throttle whose Redis is down.

Here the failures are raised in the test's own process; tests/api/test_outages.py stops a real PostgreSQL proxy
and a real Redis under a portal served by gunicorn."""

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from api import throttling
from api.views import PingView
from tests.api.test_core_api import assert_error, auth, make_key
from tests.outages import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def throttle_store_up():
    """The throttle's memory of a failed store is per process: no test leaves it resting for the next."""
    state = getattr(throttling, "store_state", None)  # (getattr: these tests also ran on the code before it)
    if state is not None:
        state.__init__()
    yield
    if state is not None:
        state.__init__()


@pytest.fixture
def raw_key(world):
    return make_key(world)[1]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("url", ["/api/", "/api/v2/schools/", "/api/v2/schools"])
def test_an_address_outside_the_api_routes_is_a_json_404(client, world, raw_key, settings, debug, url):
    settings.DEBUG = debug  # with DEBUG Django answers its own technical page: the demo runs so
    response = client.get(url, **auth(raw_key))
    body = assert_error(response, 404, "not_found")
    assert body == {"code": "not_found", "message": "Не найдено.", "details": None}
    assert response["Content-Type"] == "application/json"
    assert response["X-Request-ID"]


def test_a_method_the_endpoint_lacks_is_a_json_405(client, world, raw_key):
    response = client.delete("/api/v1/schools/", **auth(raw_key))
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_an_unexpected_exception_is_a_json_500_with_the_request_id(world, raw_key, monkeypatch, caplog):
    def broken(self, request):
        raise RuntimeError("ошибка в коде")

    monkeypatch.setattr(PingView, "get", broken)
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/ping/", HTTP_X_REQUEST_ID="rid-500-test", **auth(raw_key))
    body = assert_error(response, 500, "server_error")
    assert body["message"] == (
        "Внутренняя ошибка сервера: запрос не выполнен. Номер запроса для обращения к администратору: rid-500-test."
    )
    assert "ошибка в коде" not in response.content.decode()  # no technical detail to the client
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert len(logged) == 1 and logged[0].exc_info[0] is RuntimeError  # the traceback stays in the log


def test_a_lost_database_in_a_view_is_a_json_503_with_retry_after(world, raw_key, monkeypatch, caplog):
    def lost(self, request):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(PingView, "get", lost)
    with caplog.at_level(logging.ERROR, logger="core.outage"):
        response = Client().get("/api/v1/ping/", **auth(raw_key))
    body = assert_error(response, 503, "service_unavailable")
    assert body["message"] == "Сервис временно недоступен: повторите запрос через 30 с."
    assert response["Retry-After"] == "30"
    assert "5432" not in response.content.decode()
    assert "Нет связи с базой данных" in caplog.text


def test_a_lost_database_before_the_view_is_a_json_503_too(world, monkeypatch):
    """The session is read by a middleware: its failure reaches handler500, not the view's exception handling."""
    client = Client(raise_request_exception=False)
    client.force_login(world.users["methodist"])

    def lost(self):
        raise OperationalError("the server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", lost)
    response = client.get("/api/v1/schools/")
    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == "30"
    page = client.get("/")  # the portal's own pages keep their Russian HTML page
    assert page.status_code == 503 and page["Content-Type"].startswith("text/html")


def test_drf_errors_keep_the_browsable_page_for_a_browser(client, world):
    client.force_login(world.users["methodist"])
    response = client.get("/api/v1/schools/?municipality=0.5", HTTP_ACCEPT="text/html")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_a_throttle_whose_redis_is_down_lets_calls_through_and_logs_one_line(
    client, world, settings, caplog, monkeypatch
):
    closed = free_port()  # nothing listens there: every connection is refused at once
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{closed}/0"}
    }
    _obj, raw = make_key(world, rate="1/min")
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        statuses = [client.get("/api/v1/ping/", **auth(raw)).status_code for _ in range(5)]
    assert statuses == [200] * 5  # over the key's rate of 1 a minute: nothing is counted
    lines = [r.getMessage() for r in caplog.records if r.name == "api.throttling"]
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        "Ограничение частоты API не действует: хранилище счётчиков недоступно (ConnectionError: "
    )
    assert lines[0].endswith("запросы пропускаются без счёта")

    # Redis answers again (here: the test's locmem cache) once the store has rested: counting resumes.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(throttling.store_state, "resting_until", 0.0)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        statuses = [client.get("/api/v1/ping/", **auth(raw)).status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert [r.getMessage() for r in caplog.records if r.name == "api.throttling"] == [
        "Ограничение частоты API снова действует: хранилище счётчиков отвечает"
    ]
