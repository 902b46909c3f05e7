"""The deployment files are valid: docker-compose.yml parses, production settings pass `check --deploy`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def test_docker_compose_file_is_valid(tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        if settings.CI:
            pytest.fail("CI=true, но docker-compose не установлен (scripts/system-deps.sh ставит его).")
        pytest.skip("docker-compose не установлен")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [binary, "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    services = subprocess.run(
        [binary, "config", "--services"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    ).stdout.split()
    assert set(services) == {
        "migrate",
        "web",
        "worker",
        "worker-reports",
        "worker-recompute",
        "beat",
        "db",
        "redis",
    }


def compose_services() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_migrations_run_once_before_the_portal_starts():
    services = compose_services()
    migrate = services["migrate"]
    assert migrate["command"] == "python manage.py migrate --noinput"
    assert migrate["restart"] == "no"  # it exits when done: not restarted, not counted as a failure
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    portal = {name for name, service in services.items() if service.get("image") == "shnor-portal:latest"}
    assert portal == {"migrate", "web", "worker", "worker-reports", "worker-recompute", "beat"}
    for name in portal - {"migrate"}:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, (
            name
        )
        assert "migrate" not in services[name]["command"], name  # no replica migrates at start
    assert "migrate" not in (ROOT / "Dockerfile").read_text()


def test_web_replicas_do_not_share_one_host_port():
    """`--scale web=2` needs a port per replica: a range, not a fixed "8000:8000"."""
    (port,) = compose_services()["web"]["ports"]
    host, container = port.rsplit(":", 1)
    first, last = (int(part) for part in host.split("-"))
    assert (first, container) == (8000, "8000") and last - first + 1 >= 2


def test_the_workers_listen_to_every_queue_of_the_routes_once():
    services = compose_services()
    listened = []
    for name in ("worker", "worker-reports", "worker-recompute"):
        words = services[name]["command"].split()
        listened += words[words.index("-Q") + 1].split(",")
    assert sorted(listened) == sorted(["celery", *settings.TASK_QUEUE_KINDS])
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= set(listened)
    # Imports have a worker of their own kind of work: no справка or recompute ahead of them.
    imports_worker = services["worker"]["command"].split()
    assert set(imports_worker[imports_worker.index("-Q") + 1].split(",")).isdisjoint({"reports", "recompute"})


def production_env(**extra) -> dict:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests; a deployment never has it.
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "shnor_portal.settings.production", "DATABASE_URL": "sqlite:////tmp/x.db"}
    )
    env.update(extra)
    return env


def test_production_settings_pass_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=production_env(SECRET_KEY="x" * 60 + "Aa1!", ALLOWED_HOSTS="shnor.example.ru"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Run under the production settings in a child process: one plain and one HTTPS request to the login page (no
# database needed), and the settings that no single response shows. Prints JSON.
PRODUCTION_PROBE = """
import json

import django

django.setup()
from django.conf import settings
from django.test import Client, override_settings

# The page's {% static %} would need collectstatic's manifest; only the headers matter here.
override_settings(
    STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
).enable()
client = Client()
plain = client.get("/login/")
secure = client.get("/login/", secure=True)
names = ["SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "DEBUG", "SESSION_COOKIE_AGE"]
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "status": secure.status_code,
    "headers": dict(secure.headers),
    "cookies": {name: bool(morsel["secure"]) for name, morsel in secure.cookies.items()},
    "settings": {name: getattr(settings, name) for name in names},
}))
"""


def test_production_responses_carry_the_security_headers():
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=production_env(SECRET_KEY="x" * 60 + "Aa1!", ALLOWED_HOSTS="testserver"),
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["plain"] == [301, "https://testserver/login/"]  # plain HTTP is sent to HTTPS
    assert probe["status"] == 200
    headers = probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    assert probe["cookies"] == {"csrftoken": True}  # the CSRF cookie is sent over HTTPS only
    assert probe["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "DEBUG": False,
        "SESSION_COOKIE_AGE": 8 * 60 * 60,
    }


def test_production_settings_refuse_to_start_without_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=production_env(ALLOWED_HOSTS="shnor.example.ru"),
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_russian_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "ru"
    assert settings.TIME_ZONE == "Europe/Moscow"
    assert settings.USE_TZ is True


def test_test_suite_runs_on_postgresql_under_ci():
    if settings.CI:
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
