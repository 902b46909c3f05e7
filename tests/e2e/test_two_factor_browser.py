"""Two-factor sign-in in a real browser: a head sets up the app from the QR code page (an SVG data: image under the
Content Security Policy, no violation) and enters a code at the next sign-in."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from core.views_two_factor import SETUP_KEY_SESSION
from tests.conftest import PASSWORD
from tests.core.test_two_factor import code
from tests.e2e.test_csp_browser import watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def password_step(page: Page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def test_a_head_sets_up_the_app_and_enters_codes(page: Page, world, settings):
    settings.OTP_REQUIRED = True
    settings.OTP_REQUIRED_ROLES = ["head"]
    seen = watch(page)

    password_step(page, "head")
    expect(page).to_have_url(re.compile(r"/account/2fa/setup/\?next=%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Двухфакторный вход")
    qr = page.get_by_role("img", name="QR-код для приложения-аутентификатора")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")  # the data: SVG was drawn
    # The secret the app was given is the one kept in the session (the page shows it in groups of four).
    from django.contrib.sessions.models import Session

    [session] = [s.get_decoded() for s in Session.objects.all() if SETUP_KEY_SESSION in s.get_decoded()]
    key = session[SETUP_KEY_SESSION]
    page.get_by_label("Код из приложения").fill(code(key))
    page.get_by_role("button", name="Подтвердить и включить").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Здравствуйте")
    expect(page.get_by_text("Двухфакторный вход включён.")).to_be_visible()
    assert TOTPDevice.objects.filter(user=world.users["head"], confirmed=True).exists()

    page.get_by_role("button", name="Выйти").click()
    password_step(page, "head")
    expect(page.get_by_role("heading", level=1)).to_have_text("Подтверждение входа")
    page.get_by_label("Код из приложения").fill("000000" if code(key, 1) != "000000" else "111111")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Неверный код.")).to_be_visible()

    assert seen == {"csp": [], "errors": []}
