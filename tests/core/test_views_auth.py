"""Sign-in, lockout, sign-out, password change, the home page, the layout, error pages and the admin."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from core.models import ImportBatch, RoleAssignment, User, WorkerHeartbeat
from schools.models import Municipality, Region, School
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- sign in ------------------------------------------------------------------------------------


def test_login_page_is_russian(client):
    response = client.get(reverse("login"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    assert "Вход в портал" in html
    assert "Имя пользователя" in html
    assert "Пароль" in html


def test_login_with_the_right_password_goes_home(client, world):
    response = login(client, "methodist", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"].username == "methodist"


def test_login_honours_next(client, world):
    response = client.post(
        f"{reverse('login')}?next=/schools/",
        {"username": "methodist", "password": PASSWORD, "next": "/schools/"},
    )

    assert response["Location"] == "/schools/"


def test_wrong_password_is_refused_in_russian(client, world):
    response = login(client, "methodist", "не тот пароль")

    assert response.status_code == 200
    assert "Пожалуйста, введите правильные имя пользователя и пароль." in response.content.decode()


def test_three_wrong_passwords_lock_the_account(client, world, settings):
    assert settings.LOGIN_FAILURE_LIMIT == 3

    responses = [login(client, "methodist", f"неверный-{n}") for n in range(3)]

    assert [r.status_code for r in responses[:2]] == [200, 200]
    locked = responses[2]
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Вход временно заблокирован" in html
    assert "временно заблокирована после 3 неудачных попыток входа подряд" in html
    assert "Повторите попытку через 30 мин." in html
    # Even the right password is refused while the lock lasts.
    again = login(client, "methodist", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username(client, world):
    for n in range(3):
        login(client, "methodist", f"неверный-{n}")

    response = login(client, "head", PASSWORD)

    assert response.status_code == 302


def test_login_page_redirects_a_signed_in_user(client, world):
    client.force_login(world.users["head"])

    response = client.get(reverse("login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# --- sign out and password ----------------------------------------------------------------------


def test_logout_is_a_post(client, world):
    client.force_login(world.users["head"])

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_password_change(client, world):
    client.force_login(world.users["head"])
    new_password = "Новый-надёжный-пароль-2"

    form = client.get(reverse("password_change"))
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert "Смена пароля" in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert "Пароль изменён" in client.get(response["Location"]).content.decode()
    assert User.objects.get(username="head").check_password(new_password)


def test_password_change_errors_are_russian(client, world):
    client.force_login(world.users["head"])

    response = client.post(
        reverse("password_change"), {"old_password": "не тот", "new_password1": "123", "new_password2": "123"}
    )

    errors = response.context["form"].errors
    assert errors["old_password"] == ["Ваш старый пароль введен неправильно. Пожалуйста, введите его снова."]
    assert errors["new_password2"] == [
        "Введённый пароль слишком короткий. Он должен состоять из как минимум 10 символов.",
        "Введённый пароль слишком широко распространён.",
        "Введённый пароль состоит только из цифр.",
    ]


@pytest.mark.parametrize("url_name", ["home", "password_change", "password_change_done"])
def test_pages_need_a_signed_in_user(client, url_name):
    url = reverse(url_name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


# --- the layout ---------------------------------------------------------------------------------


def test_header_shows_name_roles_menu_and_logout_form(client, world):
    client.force_login(world.users["methodist"])

    html = client.get(reverse("home")).content.decode()

    assert "Иванова Мария Петровна" in html
    assert "<li>Методист — Обливский район</li>" in html
    assert f'<form class="inline-form" method="post" action="{reverse("logout")}">' in html
    assert f'href="{reverse("password_change")}"' in html
    assert f'href="{reverse("schools:list")}"' in html
    assert "Администрирование" not in html
    # The page works without scripts: the only one is the static, deferred table-scroll.js (keyboard access to a
    # scrolled table, base.html); nothing inline.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/table-scroll.js" defer>']
    assert "style=" not in html


def test_header_of_a_superuser(client, world):
    client.force_login(world.users["superuser"])

    html = client.get(reverse("home")).content.decode()

    assert "<li>Администратор портала</li>" in html
    assert 'href="/admin/"' in html


def test_header_of_a_user_without_roles(client, world):
    client.force_login(world.users["nobody"])

    html = client.get(reverse("home")).content.decode()

    assert "<li>Роль не назначена</li>" in html


# --- home: tests/core/test_home.py (the blocks per role) -------------------------------------------------


# --- error pages ----------------------------------------------------------------------------------


def test_404_is_russian_and_has_the_layout(client, world):
    client.force_login(world.users["head"])

    response = client.get("/нет-такой-страницы/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Страница не найдена" in html
    assert "<li>Руководитель управления образования — Обливский район</li>" in html


def test_403_is_russian():
    html = render_to_string("403.html")

    assert "Доступ запрещён" in html


def test_500_renders_without_a_request():
    html = render_to_string("500.html")

    assert "Внутренняя ошибка сервера" in html
    assert '<html lang="ru">' in html
    assert "Выйти" not in html


# --- admin ----------------------------------------------------------------------------------------

ADMIN_MODELS = [User, RoleAssignment, ImportBatch, WorkerHeartbeat, Region, Municipality, School]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_opens(client, world, model):
    client.force_login(world.users["superuser"])
    opts = model._meta

    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", [User, School, Municipality], ids=lambda m: m.__name__)
def test_admin_change_page_opens(client, world, model):
    client.force_login(world.users["superuser"])
    opts = model._meta
    obj = model.objects.order_by("pk").first()

    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("model", [ImportBatch, WorkerHeartbeat], ids=lambda m: m.__name__)
def test_system_records_cannot_be_added_in_the_admin(client, world, model):
    client.force_login(world.users["superuser"])
    opts = model._meta

    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert response.status_code == 403


def test_admin_user_page_has_role_inline_and_extra_fields(client, world):
    client.force_login(world.users["superuser"])

    html = client.get(reverse("admin:core_user_change", args=[world.users["methodist"].pk])).content.decode()

    for name in ("middle_name", "position", "phone", "role_assignments-0-role"):
        assert f'name="{name}"' in html
