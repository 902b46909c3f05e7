"""Request ids in responses and log lines; JSON log lines with LOG_FORMAT=json, and no request data in them."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from core.logging import JsonFormatter, RequestIdFilter, clean_request_id
from core.middleware import DatabaseUnavailableMiddleware, server_error

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines():
    """The django.request logger writes through the portal's JSON formatter into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_request_logs_a_json_line_with_the_id_of_its_response(client, json_lines):
    secret = "Пароль-которого-нет-в-логах-123"
    response = client.post("/no-such-page/", {"password": secret, "last_name": "Иванова"})
    assert response.status_code == 404
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    [line] = json_lines()
    assert line["request_id"] == rid
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["message"] == "Not Found: /no-such-page/" and line["status"] == 404
    dumped = json.dumps(line, ensure_ascii=False)
    assert secret not in dumped and "Иванова" not in dumped and "csrftoken" not in dumped


def test_an_incoming_request_id_is_kept_and_a_strange_one_replaced(client, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="nginx-3f2a.77")
    assert response["X-Request-ID"] == "nginx-3f2a.77"
    assert json_lines()[-1]["request_id"] == "nginx-3f2a.77"
    strange = client.get("/login/", HTTP_X_REQUEST_ID='evil" \n injected')
    assert strange["X-Request-ID"] != 'evil" \n injected' and len(strange["X-Request-ID"]) == 32
    assert clean_request_id("x" * 101) != "x" * 101


def test_log_format_json_switches_the_console_to_json_lines(tmp_path):
    """The settings, end to end: a Django process with LOG_FORMAT=json writes one JSON object per line."""
    code = "import django, logging; django.setup(); logging.getLogger('core.test').warning('проверка %s', 42)"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shnor_portal.settings.local",
        "SECRET_KEY": "log-test",
        "LOG_FORMAT": "json",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(text) for text in done.stderr.splitlines() if text.startswith("{")]
    assert line["message"] == "проверка 42" and line["request_id"] == "-" and line["logger"] == "core.test"


def test_a_lost_database_in_a_view_or_a_middleware_gives_the_russian_503(caplog):
    request = RequestFactory().get("/")
    error = OperationalError('connection to server at "10.0.0.5", port 5432 failed: Connection refused')

    from_view = DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, error)
    try:
        raise error
    except OperationalError:
        from_middleware = server_error(request)  # what handler500 answers for an error outside the view
    for response in (from_view, from_middleware):
        text = response.content.decode()
        assert response.status_code == 503 and response["Retry-After"] == "30"
        assert "Сервис временно недоступен: нет связи с базой данных" in text
        assert "10.0.0.5" not in text and "OperationalError" not in text
    assert [r.levelname for r in caplog.records if r.name == "core.outage"] == ["ERROR", "ERROR"]

    assert DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, ValueError()) is None
    try:
        raise ValueError("другая ошибка")
    except ValueError:
        assert server_error(request).status_code == 500
