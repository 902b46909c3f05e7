"""Sign in through the real form, see the schools of one's scope, open a card — in headless Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from schools.models import School
from tests.conftest import PASSWORD
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/e2e-schools.png"  # noqa: S108  (a fixed path to look at after the run)


def sign_in(page: Page, username: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Здравствуйте")


def open_schools(page: Page) -> None:
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Школы").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Школы")


def test_methodist_sees_the_municipality_and_opens_a_card(page: Page, world):
    School.objects.filter(pk=world.school_a1.pk).update(
        director="Сидорова Анна Ивановна", shnsu=True, shnsu_reason="Удалённость от районного центра"
    )
    for n in range(6):
        SchoolFactory(
            municipality=world.mun_a,
            code=f"sch6102{n:02d}",
            name=f"МБОУ «Школа №{n + 3} ст. Обливской»",
            short_name="",
            director=f"Директор Школы {n + 3}",
            address=f"ст. Обливская, ул. Школьная, {n + 1}",
            is_active=n != 5,
        )

    sign_in(page, "methodist")
    expect(page.locator(".account__roles")).to_contain_text("Методист — Обливский район")
    expect(page.locator("#role-methodist-title")).to_have_text("Методист")

    open_schools(page)
    expect(page.locator(".result-count")).to_contain_text("Найдено школ: 8")
    expect(page.locator("table.table tbody tr")).to_have_count(8)
    expect(page.locator("table.table")).not_to_contain_text("sch610101")  # municipality B is out of scope
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_label("Поиск").fill("Школьная, 3")
    page.get_by_role("button", name="Найти").click()
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=%D0%A8"))

    page.goto("/schools/")
    page.get_by_role("link", name="sch610001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("МБОУ «Каштановская СОШ»")
    expect(page.locator(".panel--wide")).to_contain_text("Удалённость от районного центра")
    page.get_by_role("link", name="Изменить").click()
    page.get_by_label("Телефон").fill("8 (86396) 2-22-22")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".messages")).to_contain_text("Сведения о школе сохранены.")
    assert School.objects.get(pk=world.school_a1.pk).phone == "8 (86396) 2-22-22"


def test_school_admin_sees_only_the_school(page: Page, world):
    sign_in(page, "school_admin")

    open_schools(page)
    expect(page.locator(".result-count")).to_contain_text("Найдено школ: 1")
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="sch610001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("МБОУ «Каштановская СОШ»")
    expect(page.get_by_role("link", name="Изменить")).to_have_count(0)

    response = page.goto(f"/schools/{world.school_a2.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Страница не найдена")

    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Вход в портал")
