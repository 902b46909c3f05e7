"""``manage.py load_demo``: a believable demo region, one user per role, idempotent and deterministic."""

import random
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
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


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """One ``load_demo`` for the module, built the way TestCase.setUpTestData is: inside a transaction left open
    for the module, each test running in a savepoint of it that is rolled back (a test that runs the command
    again, or edits the data, leaves the next one the demo as the first run made it). Tests that need an empty
    database are in test_load_demo_runs.py."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # a durable atomic inside is still allowed, as in TestCase
        outer.__enter__()
        try:
            load_demo()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def test_builds_one_region_with_three_municipalities_and_about_forty_schools(loaded):
    region = Region.objects.get()
    assert (region.name, region.code) == ("Ростовская область", "61")
    municipalities = {m.name: m for m in Municipality.objects.filter(region=region)}
    assert set(municipalities) == {"Обливский район", "Тацинский район", "Морозовский район"}
    oblivsky = municipalities["Обливский район"]
    assert oblivsky.department_name == "Отдел образования Администрации Обливского района"
    assert 38 <= School.objects.count() <= 42
    for municipality in municipalities.values():
        assert 13 <= municipality.schools.count() <= 14


def test_schools_look_like_a_real_registry(loaded):
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


def test_codes_are_unique_fis_oko_logins(loaded):
    codes = list(School.objects.values_list("code", flat=True))
    assert all(re.fullmatch(r"sch61\d{4}", code) for code in codes), codes
    assert len(set(codes)) == len(codes)


def test_shnsu_schools_have_reasons_and_shares_and_one_school_is_closed(loaded):
    shnsu = School.objects.filter(shnsu=True)
    assert 3 <= shnsu.count() <= 6
    for school in shnsu:
        assert school.shnsu_reason.strip()
        assert school.low_income_share is not None and school.ovz_share is not None
        assert school.is_rural is not None
    inactive = School.objects.get(is_active=False)
    assert inactive.short_name == "МБОУ «Владимировская ООШ»"


def test_every_role_is_granted_over_the_right_scope(loaded):
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


def test_users_have_a_russian_full_name_and_a_position(loaded):
    for user in User.objects.filter(username__in=LOGINS):
        assert user.last_name and user.first_name and user.middle_name, user.username
        assert user.position, user.username


def test_demo_passwords_pass_the_password_validators(loaded):
    for user in User.objects.filter(username__in=LOGINS):
        validate_password(demo.demo_password(user.username), user)


def test_each_demo_user_can_log_in(loaded, client):
    for login in LOGINS:
        # django-axes needs the request to decide about lockouts.
        request = RequestFactory().post("/login/")
        assert client.login(request=request, username=login, password=demo.demo_password(login)), login
        client.logout()
    request = RequestFactory().post("/login/")
    assert not client.login(request=request, username="methodist", password="неверный")


def test_second_run_changes_nothing(loaded):
    before = snapshot()

    output = load_demo()

    assert snapshot() == before
    assert "Изменений нет" in output
    for login in LOGINS:
        assert login in output


def test_second_run_puts_back_edited_demo_data(loaded):
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
