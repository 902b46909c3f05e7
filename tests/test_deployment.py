"""The deployment files are valid: docker-compose.yml parses, production settings pass `check --deploy`."""

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
    assert set(services) == {"web", "worker", "beat", "db", "redis"}


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
