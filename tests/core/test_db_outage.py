"""PostgreSQL goes away under a running portal: pages answer 503 with a Russian page at once, and the portal comes
back by itself when the database does — no restart.

The portal runs under gunicorn in its own process and reaches the test database through a TCP proxy that the
test stops (every connection cut, the port refusing new ones) and starts again on the same port.
"""

import json
import time

import pytest
from django.db import connection
from django.test import Client

from tests.factories import UserFactory
from tests.outages import TcpProxy, http_get, portal_server, wait_until
from tests.workers import database_url

pytestmark = [pytest.mark.outage, pytest.mark.django_db(transaction=True)]

RUSSIAN = "Сервис временно недоступен: нет связи с базой данных"


def test_portal_answers_503_while_postgres_is_away_and_recovers_without_restart(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("Отключение базы проверяется на PostgreSQL.")
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))).start()
    direct = database_url()
    through_proxy = direct.replace(f":{db['PORT'] or 5432}/", f":{proxy.port}/") + "?connect_timeout=2"
    assert str(proxy.port) in through_proxy

    # A signed-in user: each page reads the session and the user from the database.
    client = Client()
    client.force_login(UserFactory(username="outage-user"))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    log = tmp_path / "gunicorn.log"
    try:
        with portal_server(database_url=through_proxy, log=log, MEDIA_ROOT=str(tmp_path / "media")) as base:
            assert http_get(f"{base}/login/").status == 200
            home = http_get(f"{base}/", cookie=cookie)
            assert home.status == 200, home.text[:500]
            assert "Выйти" in home.text  # signed in: the session and the user came from the database

            proxy.stop()  # PostgreSQL is gone: the persistent connection is cut, new ones are refused

            page = http_get(f"{base}/", cookie=cookie)
            assert page.status == 503, f"{page.status}\n{page.text[:500]}\n{log.read_text()[-3000:]}"
            assert RUSSIAN in page.text
            assert page.headers["Retry-After"] == "30"
            assert page.seconds < 5
            assert "OperationalError" not in page.text and "5432" not in page.text  # no technical detail
            health = http_get(f"{base}/health/web/?format=json")
            assert health.status == 503 and health.seconds < 5
            assert json.loads(health.text)["Database(alias='default')"] != "OK"
            anonymous = http_get(f"{base}/login/")  # a page that needs no database still works
            assert anonymous.status == 200

            proxy.start()  # the database is back on the same address
            started = time.monotonic()
            wait_until(
                lambda: http_get(f"{base}/", cookie=cookie).status == 200,
                seconds=15,
                what="портал снова ответит 200 без перезапуска",
            )
            assert time.monotonic() - started < 15
            assert http_get(f"{base}/health/web/?format=json").status == 200
        assert "Нет связи с базой данных" in log.read_text()  # the outage is logged
    finally:
        proxy.stop()
