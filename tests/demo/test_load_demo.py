"""``manage.py load_demo``: a believable demo region, one user per role, idempotent and deterministic."""

import random
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from core.models import RoleAssignment, User
from core.roles import Role
from demo import base as demo
from schools.models import Municipality, Region, School, SchoolType

pytestmark = pytest.mark.django_db

LOGINS = ["methodist", "head", "school_admin", "mentor", "tutor", "analyst", "admin"]

# login -> (role, region, municipality, school short name) of the user's one role assignment
EXPECTED_GRANTS = {
    "methodist": (Role.METHODIST, None, "Обливский район", None),
    "head": (Role.HEAD, None, "Обливский район", None),
    "school_admin": (Role.SCHOOL_ADMIN, None, None, "МБОУ «Каштановская СОШ»"),
    "mentor": (Role.MENTOR, None, None, None),
    "tutor": (Role.TUTOR, None, None, None),
    "analyst": (Role.REGIONAL_ANALYST, "Ростовская область", None, None),
}


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Every row the demo writes, timestamps and password hashes included: equal means nothing changed."""
    return {
        "regions": list(Region.objects.order_by("pk").values()),
        "municipalities": list(Municipality.objects.order_by("pk").values()),
        "schools": list(School.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "grants": list(RoleAssignment.objects.order_by("pk").values()),
    }


def test_builds_one_region_with_three_municipalities_and_about_forty_schools():
    load_demo()

    region = Region.objects.get()
    assert (region.name, region.code) == ("Ростовская область", "61")
    municipalities = {m.name: m for m in Municipality.objects.filter(region=region)}
    assert set(municipalities) == {"Обливский район", "Тацинский район", "Морозовский район"}
    oblivsky = municipalities["Обливский район"]
    assert oblivsky.department_name == "Отдел образования Администрации Обливского района"
    assert 38 <= School.objects.count() <= 42
    for municipality in municipalities.values():
        assert 13 <= municipality.schools.count() <= 14


def test_schools_look_like_a_real_registry():
    load_demo()

    kashtanovskaya = School.objects.get(short_name="МБОУ «Каштановская СОШ»")
    assert kashtanovskaya.name == (
        "Муниципальное бюджетное общеобразовательное учреждение "
        "«Каштановская средняя общеобразовательная школа»"
    )
    assert kashtanovskaya.municipality.name == "Обливский район"
    assert School.objects.get(short_name="МБОУ «Солонецкая СОШ»").municipality.name == "Обливский район"

    types = list(School.objects.values_list("school_type", flat=True))
    assert types.count(SchoolType.SOSH) > len(types) / 2
    assert types.count(SchoolType.OOSH) >= 3
    assert types.count(SchoolType.GYMNASIUM) == 1
    assert types.count(SchoolType.LYCEUM) == 1
    assert types.count(SchoolType.NOSH) == 1
    for school in School.objects.all():
        assert school.address.startswith("34") and ", Ростовская область, " in school.address, school.address
        assert len(school.director.split()) == 3, school.director
        assert re.fullmatch(r"8 \(\d{5}\) \d-\d\d-\d\d", school.phone), school.phone
    assert len(set(School.objects.values_list("director", flat=True))) == School.objects.count()


def test_codes_are_unique_fis_oko_logins():
    load_demo()

    codes = list(School.objects.values_list("code", flat=True))
    assert all(re.fullmatch(r"sch61\d{4}", code) for code in codes), codes
    assert len(set(codes)) == len(codes)


def test_shnsu_schools_have_reasons_and_shares_and_one_school_is_closed():
    load_demo()

    shnsu = School.objects.filter(shnsu=True)
    assert 3 <= shnsu.count() <= 6
    for school in shnsu:
        assert school.shnsu_reason.strip()
        assert school.low_income_share is not None and school.ovz_share is not None
        assert school.is_rural is not None
    inactive = School.objects.get(is_active=False)
    assert inactive.short_name == "МБОУ «Владимировская ООШ»"


def test_every_role_is_granted_over_the_right_scope():
    load_demo()

    for login, (role, region, municipality, school) in EXPECTED_GRANTS.items():
        grant = RoleAssignment.objects.select_related("region", "municipality", "school").get(
            user__username=login
        )
        assert grant.role == role, login
        assert (grant.region and grant.region.name) == region, login
        assert (grant.municipality and grant.municipality.name) == municipality, login
        assert (grant.school and grant.school.short_name) == school, login
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not admin.role_assignments.exists()
    assert not User.objects.filter(username__in=EXPECTED_GRANTS, is_staff=True).exists()
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role)


def test_users_have_a_russian_full_name_and_a_position():
    load_demo()

    for user in User.objects.filter(username__in=LOGINS):
        assert user.last_name and user.first_name and user.middle_name, user.username
        assert user.position, user.username


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


def test_demo_passwords_pass_the_password_validators():
    load_demo()

    for user in User.objects.filter(username__in=LOGINS):
        validate_password(demo.demo_password(user.username), user)


def test_each_demo_user_can_log_in(client):
    load_demo()

    for login in LOGINS:
        # django-axes needs the request to decide about lockouts.
        request = RequestFactory().post("/login/")
        assert client.login(request=request, username=login, password=demo.demo_password(login)), login
        client.logout()
    request = RequestFactory().post("/login/")
    assert not client.login(request=request, username="methodist", password="неверный")


def test_second_run_changes_nothing():
    load_demo()
    before = snapshot()

    output = load_demo()

    assert snapshot() == before
    assert "Изменений нет" in output
    for login in LOGINS:
        assert login in output


def test_second_run_puts_back_edited_demo_data():
    load_demo()
    school = School.objects.get(code=demo.KASHTANOVSKAYA)
    director = school.director
    School.objects.filter(pk=school.pk).update(director="Другой Директор Иванович")
    user = User.objects.get(username="methodist")
    user.set_password("Сменённый-пароль-1")
    user.is_active = False
    user.save()

    output = load_demo()

    assert School.objects.get(pk=school.pk).director == director
    user.refresh_from_db()
    assert user.is_active and user.check_password(demo.demo_password("methodist"))
    assert "восстановлено школ 1" in output and "восстановлено пользователей 1" in output
    assert School.objects.count() == 40 and User.objects.count() == len(LOGINS)


def test_plan_is_deterministic():
    first = demo.school_plans(random.Random(demo.SEED))
    second = demo.school_plans(random.Random(demo.SEED))

    assert first == second
    by_code = {plan.code: plan for plan in first}
    assert by_code[demo.KASHTANOVSKAYA].fields["short_name"] == "МБОУ «Каштановская СОШ»"


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


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("127.0.0.1", "8011", "http://127.0.0.1:8011"),
        ("0.0.0.0", 8011, "http://127.0.0.1:8011"),  # noqa: S104 - every interface: open it on this machine
        ("::", 8000, "http://127.0.0.1:8000"),
        ("localhost", 9000, "http://localhost:9000"),
        ("::1", 8000, "http://[::1]:8000"),
    ],
)
def test_the_login_address_is_where_the_server_listens(host, port, expected):
    assert demo.base_url(host, port) == expected


def test_make_demo_passes_its_host_and_port_to_the_printed_address():
    """`make demo PORT=8011` printed «Вход: http://127.0.0.1:8000/login/» (issue #17)."""
    root = Path(__file__).resolve().parents[2]
    dry_run = subprocess.run(
        ["make", "-n", "demo", "PORT=8011"], cwd=root, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert 'manage.py load_demo --host "127.0.0.1" --port "8011"' in dry_run
    assert "manage.py runserver 127.0.0.1:8011" in dry_run
