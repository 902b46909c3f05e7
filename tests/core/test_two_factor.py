"""Two-factor sign-in (core/two_factor.py, core/views_two_factor.py): who must enter a code, setup, verification,
what stays open, the API's answer and the throttling of wrong codes. ``OTP_REQUIRED`` is off in the test
settings; the ``otp_on`` fixture turns it on."""

import base64
import re
import time
from binascii import unhexlify
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import two_factor
from core.views_two_factor import SETUP_KEY_SESSION
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETUP = reverse("two_factor_setup")
VERIFY = reverse("two_factor_verify")


@pytest.fixture
def otp_on(settings):
    settings.OTP_REQUIRED = True
    settings.OTP_REQUIRED_ROLES = ["head"]
    return settings


def code(key_hex: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` periods of 30 s later)."""
    totp = TOTP(unhexlify(key_hex))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def login(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="телефон", confirmed=True)


def verified(client, user, device):
    login(client, user.username)
    response = client.post(VERIFY, {"code": code(device.key)})
    assert response.status_code == 302, response.content.decode()
    return client


# --- who is asked ---------------------------------------------------------------------------------------------


def test_a_head_without_a_device_is_sent_to_setup_after_the_password(client, world, otp_on):
    response = login(client, "head")
    assert response.status_code == 302 and response["Location"] == reverse("home")

    home = client.get(reverse("home"))

    assert home.status_code == 302
    assert home["Location"] == f"{SETUP}?next=%2F"
    page = client.get(home["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Настройте приложение-аутентификатор, чтобы продолжить" in html
    assert "Основное меню" not in html  # no menu until the code is entered
    # No inline script or style: the only script is base.html's static, deferred table-scroll.js.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/table-scroll.js" defer>']
    assert "style=" not in html
    # The QR code is an SVG image in a data: URI (CSP img-src allows data:), without styles of its own.
    [uri] = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    svg = base64.b64decode(uri).decode()
    assert "<svg" in svg and "style" not in svg and "<script" not in svg
    key = client.session[SETUP_KEY_SESSION]
    secret = base64.b32encode(unhexlify(key)).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    # Opening the page saves nothing: the device is created when the first code is accepted.
    assert not TOTPDevice.objects.exists()


def test_admins_must_use_it_too(client, world, otp_on):
    staff = UserFactory(username="staff", is_staff=True)
    staff.set_password(PASSWORD)
    staff.save()

    for username in ("root", "staff"):
        client.logout()
        login(client, username)
        assert client.get("/admin/")["Location"] == f"{SETUP}?next=%2Fadmin%2F", username


@pytest.mark.parametrize("username", ["methodist", "school_admin", "analyst"])
def test_other_roles_are_not_asked(client, world, otp_on, username):
    login(client, username)

    assert client.get(reverse("home")).status_code == 200


def test_more_roles_can_be_required(client, world, otp_on):
    otp_on.OTP_REQUIRED_ROLES = ["head", "methodist"]
    login(client, "methodist")

    assert client.get(reverse("home"))["Location"].startswith(SETUP)


def test_nothing_changes_when_it_is_off(client, world):
    login(client, "head")

    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/schools/").status_code == 200


def test_whoever_has_a_device_enters_a_code_even_when_it_is_off(client, world):
    device_for(world.users["methodist"])
    login(client, "methodist")

    assert client.get(reverse("home"))["Location"] == f"{VERIFY}?next=%2F"


# --- setup ----------------------------------------------------------------------------------------------------


def test_setup_confirms_the_device_with_a_code_from_the_app(client, world, otp_on):
    login(client, "head")
    client.get(f"{SETUP}?next=/schools/")
    key = client.session[SETUP_KEY_SESSION]

    wrong = client.post(SETUP, {"code": "000000" if code(key) != "000000" else "111111", "next": "/schools/"})
    assert wrong.status_code == 200
    assert "Неверный код." in wrong.content.decode()
    assert not TOTPDevice.objects.exists()

    response = client.post(SETUP, {"code": code(key), "next": "/schools/"})

    assert response.status_code == 302
    assert response["Location"] == "/schools/"
    device = TOTPDevice.objects.get()
    assert (device.user, device.confirmed, device.key) == (world.users["head"], True, key)
    assert SETUP_KEY_SESSION not in client.session
    schools = client.get("/schools/")
    assert schools.status_code == 200
    assert "Двухфакторный вход включён. Теперь при входе" in schools.content.decode()
    # The setup page now says it is on.
    assert "Двухфакторный вход включён: после пароля" in client.get(SETUP).content.decode()


def test_setup_refuses_what_is_not_six_digits(client, world, otp_on):
    login(client, "head")
    client.get(SETUP)

    response = client.post(SETUP, {"code": "12ab"})

    assert "Код — шесть цифр из приложения-аутентификатора." in response.content.decode()


def test_anyone_may_turn_it_on_from_the_password_page(client, world):
    login(client, "methodist")
    password_page = client.get(reverse("password_change")).content.decode()
    assert f'href="{SETUP}"' in password_page

    page = client.get(SETUP)
    assert page.status_code == 200
    assert "Настройте приложение-аутентификатор, чтобы продолжить" not in page.content.decode()
    key = client.session[SETUP_KEY_SESSION]
    assert client.post(SETUP, {"code": code(key)})["Location"] == reverse("home")

    client.logout()
    login(client, "methodist")
    assert client.get(reverse("home"))["Location"] == f"{VERIFY}?next=%2F"


# --- verification at sign-in ----------------------------------------------------------------------------------


def test_a_later_login_asks_for_the_code_and_the_right_one_lets_in(client, world, otp_on):
    device = device_for(world.users["head"])
    login(client, "head")

    home = client.get(reverse("home"))
    assert home["Location"] == f"{VERIFY}?next=%2F"
    page = client.get(home["Location"])
    assert page.status_code == 200
    assert "Подтверждение входа" in page.content.decode()
    assert "Основное меню" not in page.content.decode()

    response = client.post(VERIFY, {"code": code(device.key), "next": "/"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("home")  # nothing more to enter


def test_a_wrong_code_is_refused_in_russian(client, world, otp_on):
    device = device_for(world.users["head"])
    login(client, "head")
    right = {code(device.key, step) for step in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in right)

    response = client.post(VERIFY, {"code": wrong, "next": "/"})

    assert response.status_code == 200
    assert "Неверный код. Проверьте, что время на телефоне точное" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_every_page_waits_for_the_code(client, world, otp_on):
    device_for(world.users["head"])
    login(client, "head")

    assert client.get("/schools/?page=2")["Location"] == f"{VERIFY}?next=%2Fschools%2F%3Fpage%3D2"
    assert client.get(reverse("password_change"))["Location"].startswith(VERIFY)
    # A form's POST is not carried out; the next page is not a POST-only address.
    posted = client.post(reverse("schools:flags_recompute"))
    assert posted.status_code == 302 and posted["Location"] == VERIFY


def test_public_pages_stay_open(client, world, otp_on):
    device_for(world.users["head"])
    login(client, "head")

    assert client.get(reverse("reports:verify")).status_code == 200
    assert client.get("/health/").status_code in (200, 503)  # whatever the checks say, not the code page
    assert client.get("/static/css/portal.css").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_api_answers_403_to_an_unverified_session(client, world, otp_on):
    device_for(world.users["head"])
    login(client, "head")

    response = client.get("/api/v1/schools/")

    assert response.status_code == 403
    assert response.json() == {
        "code": "otp_required",
        "message": "Вход не подтверждён кодом из приложения: откройте портал в браузере и введите код.",
        "details": None,
    }


def test_the_api_answers_a_verified_session(client, world, otp_on):
    device = device_for(world.users["head"])
    verified(client, world.users["head"], device)

    assert client.get("/api/v1/schools/").status_code == 200


def test_wrong_codes_are_throttled(client, world, otp_on):
    # Pauses of 60, 120, 240… s instead of 1, 2, 4… s: no race with a slow machine.
    otp_on.OTP_TOTP_THROTTLE_FACTOR = 60
    device = device_for(world.users["head"])
    login(client, "head")
    right = {code(device.key, step) for step in (-1, 0, 1, 2)}
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in right][:2]

    first = client.post(VERIFY, {"code": wrong[0]}).content.decode()
    second = client.post(VERIFY, {"code": wrong[1]}).content.decode()
    # Even the right code waits out the pause.
    third = client.post(VERIFY, {"code": code(device.key)})

    assert "Неверный код." in first
    assert "Слишком много неверных кодов подряд. Повторите попытку через 60 с." in second
    assert third.status_code == 200
    assert "Слишком много неверных кодов подряд." in third.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # tries during the pause are not counted, nor checked

    # Each wrong code doubles the pause: after four, eight times as long.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=4, throttling_failure_timestamp=timezone.now()
    )
    assert "Повторите попытку через 8 мин." in client.post(VERIFY, {"code": wrong[0]}).content.decode()

    # When the pause is over, the right code lets in.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )
    response = client.post(VERIFY, {"code": code(device.key, 1)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_code_is_not_accepted_twice(client, world, otp_on):
    device = device_for(world.users["head"])
    used = code(device.key)
    login(client, "head")
    assert client.post(VERIFY, {"code": used}).status_code == 302

    client.logout()
    login(client, "head")
    response = client.post(VERIFY, {"code": used})

    assert "Неверный код." in response.content.decode()


def test_next_leads_only_inside_the_portal(client, world, otp_on):
    device = device_for(world.users["head"])
    login(client, "head")

    response = client.post(VERIFY, {"code": code(device.key), "next": "https://evil.example/"})

    assert response["Location"] == reverse("home")


def test_a_session_from_before_the_install_is_asked_too(client, world, otp_on):
    client.force_login(world.users["head"])
    session = client.session
    del session[two_factor.SESSION_KEY]
    session.save()

    assert client.get(reverse("home"))["Location"].startswith(SETUP)


def test_the_verify_page_without_a_device_sends_on(client, world, otp_on):
    login(client, "head")
    assert client.get(f"{VERIFY}?next=/schools/")["Location"] == f"{SETUP}?next=%2Fschools%2F"

    client.logout()
    login(client, "methodist")
    assert client.get(f"{VERIFY}?next=/schools/")["Location"] == "/schools/"


# --- the admin: recovery --------------------------------------------------------------------------------------


def test_a_superuser_deletes_a_lost_device_in_the_admin(client, world, otp_on):
    root = world.users["superuser"]
    verified(client, root, device_for(root))
    head_device = device_for(world.users["head"])
    url = reverse("admin:otp_totp_totpdevice_delete", args=[head_device.pk])

    assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 200
    # The admin never shows a device's secret (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[head_device.pk])).content.decode()
    assert head_device.key not in change
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=head_device.pk).exists()

    # The head sets the app up anew at the next sign-in.
    client.logout()
    login(client, "head")
    assert client.get(reverse("home"))["Location"].startswith(SETUP)
