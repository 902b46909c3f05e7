"""The portal's own Russian error pages — in the demo too (issue #17: with DEBUG on, a refused page was Django's
English 404 listing every URL of the portal)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def text(response) -> str:
    return response.content.decode()


def test_a_missing_page_is_the_russian_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Страница не найдена" in text(response)
    assert "URLconf" not in text(response)


def test_an_object_out_of_reach_is_the_russian_404(client, world):
    client.force_login(world.users["school_admin"])
    response = client.get(reverse("schools:detail", args=[world.school_other.pk]))
    assert response.status_code == 404
    assert "Страница не найдена" in text(response)


def test_a_refused_page_is_the_russian_403_with_its_reason(client, world):
    client.force_login(world.users["school_admin"])
    response = client.get(reverse("audit:changes"))
    assert response.status_code == 403
    assert "Доступ запрещён" in text(response)
    assert "Журнал изменений доступен методистам" in text(response)


def test_a_stale_form_is_the_russian_csrf_page(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "methodist", "password": "x"})
    assert response.status_code == 403
    assert "Форма устарела" in text(response)
    assert "CSRF verification failed" not in text(response)


# --- the demo's settings ----------------------------------------------------------------------------------------

# Run in a process of its own with the demo's settings (shnor_portal.settings.local) on a scratch SQLite file:
# the status, whether the page is the portal's, and whether it is Django's technical page.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import path
import shnor_portal.urls as urls
from django.http import Http404

def refused(request):
    raise Http404("Школа вне области")

def broken(request):
    raise RuntimeError("сбой представления")

urls.urlpatterns += [path("probe/refused/", refused), path("probe/broken/", broken)]
call_command("migrate", verbosity=0)
client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
out = {"debug": settings.DEBUG}
for name, url in (("missing", "/no-such-page/"), ("out_of_reach", "/probe/refused/"), ("error", "/probe/broken/"),
                  ("api_missing", "/api/v1/no-such-list/"), ("static", "/static/css/portal.css")):
    response = client.get(url)
    body = (b"".join(response) if response.streaming else response.content).decode(errors="replace")
    found = "Страница не найдена" in body or "Внутренняя ошибка сервера" in body
    out[name] = [response.status_code, found, "URLconf" in body or "Traceback" in body]
print(json.dumps(out))
"""


def probe_demo(tmp_path, **env) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        # as `make demo` (DEMO_ENV)
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DEBUG"}
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "shnor_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "SECRET_KEY": "error-pages-test",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_demo_shows_the_portals_pages_and_serves_static_files(tmp_path):
    assert probe_demo(tmp_path) == {
        "debug": False,
        "missing": [404, True, False],
        "out_of_reach": [404, True, False],
        "error": [500, True, False],
        "api_missing": [404, False, False],
        "static": [200, False, False],
    }


def test_a_developer_asks_for_djangos_technical_pages_with_debug(tmp_path):
    result = probe_demo(tmp_path, DEBUG="1")
    assert result["debug"] is True
    assert result["missing"] == [404, False, True]
