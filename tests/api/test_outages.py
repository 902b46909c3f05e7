"""The API under real outages (issue #17, item 4): PostgreSQL cut off behind a proxy, a private Redis stopped,
under a portal served by gunicorn in its own process (tests/outages.py). The API answers JSON in the one error
format — 503 with Retry-After while the database is gone — and lets calls through uncounted while the
throttle's Redis is down; both come back by themselves."""

import json
import time

import pytest
from django.db import connection

from api.models import ClientKey
from tests.outages import RedisServer, TcpProxy, http_get, portal_server, wait_until
from tests.workers import database_url

pytestmark = [pytest.mark.outage, pytest.mark.django_db(transaction=True)]


def api_key(world, **fields) -> dict:
    _obj, raw = ClientKey.objects.create_key(name="РИС РЦОИ", region=world.region, **fields)
    return {"Authorization": f"Api-Key {raw}"}


def error(answer) -> dict:
    assert answer.headers["Content-Type"] == "application/json", answer.text[:500]
    body = json.loads(answer.text)
    assert set(body) == {"code", "message", "details"}
    return body


def test_the_api_answers_json_503_while_postgres_is_away(world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("Отключение базы проверяется на PostgreSQL.")
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))).start()
    through_proxy = (
        database_url().replace(f":{db['PORT'] or 5432}/", f":{proxy.port}/") + "?connect_timeout=2"
    )
    key = api_key(world)
    log = tmp_path / "gunicorn.log"
    try:
        with portal_server(database_url=through_proxy, log=log, MEDIA_ROOT=str(tmp_path / "media")) as base:
            assert http_get(f"{base}/api/v1/schools/", headers=key).status == 200

            proxy.stop()  # PostgreSQL is gone

            for path in ("/api/v1/schools/", "/api/v1/ping/", "/api/v1/no-such-list/"):
                answer = http_get(f"{base}{path}", headers=key)
                assert answer.status == 503, (
                    f"{path}: {answer.status}\n{answer.text[:500]}\n{log.read_text()[-3000:]}"
                )
                assert error(answer) == {
                    "code": "service_unavailable",
                    "message": "Сервис временно недоступен: повторите запрос через 30 с.",
                    "details": None,
                }
                assert answer.headers["Retry-After"] == "30"
                assert answer.seconds < 5

            proxy.start()
            wait_until(
                lambda: http_get(f"{base}/api/v1/schools/", headers=key).status == 200,
                seconds=15,
                what="API снова ответит 200 без перезапуска",
            )
        assert "Нет связи с базой данных" in log.read_text()
    finally:
        proxy.stop()


def test_the_api_lets_calls_through_while_the_throttles_redis_is_down(world, tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    key = api_key(world, rate="2/min")
    log = tmp_path / "gunicorn.log"
    try:
        with portal_server(
            database_url=database_url(),
            log=log,
            MEDIA_ROOT=str(tmp_path / "media"),
            REDIS_URL=server.url,  # the throttle's counters (and the page cache, and the broker) in this Redis
        ) as base:
            ping = f"{base}/api/v1/ping/"
            assert [http_get(ping, headers=key).status for _ in range(2)] == [200, 200]
            refused = http_get(ping, headers=key)
            assert refused.status == 429 and error(refused)["code"] == "throttled"  # counted in Redis

            server.stop()  # Redis is gone: the counters with it

            answers = [http_get(ping, headers=key) for _ in range(5)]
            assert [a.status for a in answers] == [200] * 5, answers[0].text[:500]
            assert all(a.seconds < 3 for a in answers)
            schools = http_get(f"{base}/api/v1/schools/", headers=key)
            assert schools.status == 200 and json.loads(schools.text)["results"]  # the page cache is off too
            lines = [line for line in log.read_text().splitlines() if "Ограничение частоты API" in line]
            assert len(lines) == 1 and "не действует" in lines[0], lines

            server.start()  # back, empty: counting starts over once the throttle has rested
            started = time.monotonic()
            wait_until(
                lambda: http_get(ping, headers=key).status == 429,
                seconds=30,
                what="ограничение частоты снова действует",
                step=0.5,
            )
            assert time.monotonic() - started < 30
            assert "Ограничение частоты API снова действует" in log.read_text()
    finally:
        server.stop()
