"""``manage.py load_demo`` runs that need an empty database: the printed logins, extension steps, the refusal
under production settings (test_load_demo.py shares one demo between its tests)."""

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from demo import base as demo
from schools.models import School
from tests.demo.test_load_demo import LOGINS, load_demo

pytestmark = pytest.mark.django_db


def test_output_lists_each_login_with_its_password_and_role():
    output = load_demo("--host", "0.0.0.0", "--port", "8011")  # noqa: S104 - as `make demo HOST=0.0.0.0 PORT=8011`

    assert "Вход: http://127.0.0.1:8011/login/" in output
    lines = output.splitlines()
    for login in LOGINS:
        (line,) = [line for line in lines if line.startswith(f"{login} ")]
        assert demo.demo_password(login) in line
    (methodist,) = [line for line in lines if line.startswith("methodist ")]
    assert methodist.endswith("Методист — Обливский район")
    (school_admin,) = [line for line in lines if line.startswith("school_admin ")]
    assert school_admin.endswith("Администратор школы — МБОУ «Каштановская СОШ»")


def test_extension_steps_run_after_organisations_and_users(monkeypatch):
    monkeypatch.setattr(demo, "_STEPS", {})
    seen = {}

    def step(context: demo.DemoContext) -> None:
        seen["schools"] = len(context.schools)
        seen["users"] = set(context.users)
        seen["draw"] = context.rng("results").random()
        context.summary.counts["Педагоги"] = 0

    demo.demo_step_register("results", step)
    output = load_demo()

    assert seen["schools"] == School.objects.count()
    assert seen["users"] == set(LOGINS)
    assert seen["draw"] == random.Random(f"{demo.SEED}:results").random()
    assert "Педагоги: 0" in output


def test_refuses_production_settings_without_the_flag(settings):
    settings.SETTINGS_MODULE = "shnor_portal.settings.production"

    with pytest.raises(CommandError, match="--allow-production"):
        call_command("load_demo", stdout=StringIO())
    assert not School.objects.exists()

    call_command("load_demo", "--allow-production", stdout=StringIO())
    assert School.objects.exists()


def test_steps_run_by_their_order_not_by_registration(monkeypatch):
    monkeypatch.setattr(demo, "_STEPS", {})
    ran = []
    demo.demo_step_register("late", lambda context: ran.append("late"), order=30)
    demo.demo_step_register("early", lambda context: ran.append("early"), order=10)
    load_demo()
    assert ran == ["early", "late"]
