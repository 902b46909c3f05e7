"""A methodologist works with the ШНОР statuses and the approved list in headless Chromium."""

import datetime
import importlib
import re

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Page, expect

from schools.flags import flags_recompute_years
from schools.models import ApprovedListEntry, ApprovedListEvent
from schools.services import approved_list_create
from tests.builders.schools import add
from tests.e2e.test_browser import sign_in
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/e2e-flags.png"  # noqa: S108  (a fixed path to look at after the run)
REASON = "Смена администрации, положительная динамика ВПР весной 2023 года"


def seed_procedure_kinds():
    """A browser test runs in a transaction-flushed database: the kinds seeded by migration 0003 may be gone."""
    seed = importlib.import_module("schools.migrations.0003_seed_procedure_kinds").seed
    seed(django_apps, None)


def build(world):
    seed_procedure_kinds()
    a1, a2 = world.school_a1, world.school_a2
    add(a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    add(a1, "ВПР", "математика", 5, 2021, 6, 15)
    add(a1, "ОГЭ", "математика", 9, 2022, 43, 100)
    add(a2, "ОГЭ", "математика", 9, 2021, 5, 100)
    add(a2, "ОГЭ", "математика", 9, 2022, 35, 100)
    add(a2, "ОГЭ", "русский язык", 9, 2022, 33, 100)
    for n in range(4):
        school = SchoolFactory(
            municipality=world.mun_a, code=f"sch6102{n:02d}", name=f"МБОУ «Школа №{n + 3}»"
        )
        add(school, "ОГЭ", "математика", 9, 2021, 8 + n, 60)
        add(school, "ОГЭ", "математика", 9, 2022, 20 if n == 3 else 5 + n, 60)  # one at risk
    flags_recompute_years(years=[2022, 2023])
    return approved_list_create(
        municipality=world.mun_a,
        list_year=2023,
        order_number="45-о",
        order_date=datetime.date(2023, 2, 1),
        user=world.users["methodist"],
    )


def test_methodologist_filters_statuses_and_excludes_a_school(page: Page, world):
    approved = build(world)
    menu = lambda: page.get_by_role("navigation", name="Основное меню")  # noqa: E731

    sign_in(page, "methodist")
    menu().get_by_role("link", name="Статусы ШНОР").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Статусы ШНОР на 2023 год")
    expect(page.locator("tr.flag-row")).to_have_count(6)
    expect(page.locator('[data-status="shnor"]')).to_have_text("2")
    expect(page.locator('[data-status="risk"]')).to_have_text("1")
    expect(page.locator("tr.flag-row svg.sparkline").first).to_be_visible()

    page.get_by_label("Статус", exact=True).select_option(label="ШНОР")
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(re.compile(r"status=shnor"))
    expect(page.locator("tr.flag-row")).to_have_count(2)
    kashtanovskaya = page.locator('tr[data-code="sch610001"]')
    expect(kashtanovskaya).to_contain_text("ОГЭ математика 9 кл. 2022: 43,0% (43 из 100)")
    expect(kashtanovskaya).to_contain_text("осталась")
    expect(kashtanovskaya.locator(".small-sample")).to_have_text("мал. выборка")
    expect(page.locator('tr[data-code="sch610002"]')).to_contain_text("вошла")
    page.screenshot(path="/tmp/e2e-flags-statuses.png", full_page=True)  # noqa: S108

    menu().get_by_role("link", name="Перечни ШНОР").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Перечни ШНОР")
    page.get_by_role("link", name="Обливский район").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Перечень ШНОР на 2023 год")

    row = page.locator('tr[data-code="sch610001"]')
    row.get_by_role("button", name="Исключить").click()  # no reason: refused, in Russian, at the row
    row = page.locator('tr[data-code="sch610001"]')
    expect(row.locator(".field__error")).to_have_text(
        "Укажите основание исключения из перечня: расчётный статус школы — «ШНОР»."
    )
    row.get_by_label("Основание для школы sch610001").fill(REASON)
    row.get_by_role("button", name="Исключить").click()

    expect(page.locator(".messages")).to_contain_text("Школа «МБОУ «Каштановская СОШ»» исключена из перечня.")
    row = page.locator('tr[data-code="sch610001"]')
    expect(row.locator(".excluded")).to_have_text("нет")
    expect(row.locator(".badge--override")).to_have_text("вручную")
    expect(row).to_contain_text(f"Основание: {REASON}")
    expect(page.locator(".table--journal")).to_contain_text("школа исключена")
    page.screenshot(path=SCREENSHOT, full_page=True)

    entry = ApprovedListEntry.objects.get(approved_list=approved, school=world.school_a1)
    assert (entry.included, entry.reason) == (False, REASON)
    assert ApprovedListEvent.objects.filter(approved_list=approved, action="excluded").count() == 1
