"""The methodologist's dashboard in a browser: the charts are drawn, nothing errs, a count opens its list."""

import pytest
from playwright.sync_api import Page, expect

from tests.builders.roadmaps import Y, build_programme
from tests.e2e.test_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.today]

# True when the canvas has a Chart.js chart and at least one painted pixel.
CANVAS_DRAWN = """id => {
  const canvas = document.getElementById(id);
  if (!canvas || !window.Chart || !window.Chart.getChart(canvas)) return false;
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
}"""


def collect_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"{request.url}: {request.failure}"))
    return errors


def test_dashboard_draws_its_charts_and_a_count_opens_its_list(page: Page, world):
    build_programme(world)
    errors = collect_errors(page)
    sign_in(page, "analyst")
    page.goto("/roadmaps/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Обзор территории")

    for chart in ("flags-chart", "indicators-chart"):
        expect(page.locator(f"#{chart}")).to_be_visible()
        page.wait_for_function(CANVAS_DRAWN, arg=chart)
    assert page.evaluate("() => window.Chart.version") == "4.5.1"
    # The same figures as a table, for those who prefer numbers.
    row = page.locator(f'#by-year-table tr[data-year="{Y}"]')
    expect(row.locator('[data-count="shnor"]')).to_have_text("2")
    expect(row.locator('[data-count="left"]')).to_have_text("1")
    expect(page.locator('#dashboard-indicators tr[data-code="vpr"]')).to_contain_text("76 %")
    page.screenshot(path="/tmp/e2e-dashboard.png", full_page=True)  # noqa: S108

    row.locator('[data-count="shnor"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Статусы ШНОР на {Y} год")
    expect(page).to_have_url(f"{page.url.split('?')[0]}?year={Y}&status=shnor")
    expect(page.locator("table.table--flags tbody tr")).to_have_count(2)
    expect(page.locator('tr[data-code="sch610001"]')).to_be_visible()
    expect(page.locator('tr[data-code="sch610101"]')).to_be_visible()

    page.go_back()
    page.locator(f'#by-year-table tr[data-year="{Y}"] [data-count="left"]').click()
    expect(page.locator("table.table--flags tbody tr")).to_have_count(1)
    expect(page.locator('tr[data-code="sch610002"]')).to_be_visible()

    page.go_back()
    page.locator('[data-count="without-mentor"]').click()
    # The dashboard's count and the coverage page agree: a1 has no mentor in force.
    expect(page.locator("#no-mentor h2")).to_have_text("ШНОР без наставника (1)")
    expect(page.locator("#no-mentor")).to_contain_text(world.school_a1.display_name)

    page.go_back()
    page.get_by_role("link", name="Подробно: по муниципалитетам и школам").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Показатели программы на {Y} год")
    expect(page.locator('#indicators tr[data-code="support"] [data-part="denominator"]')).to_contain_text("5")
    page.locator("#breakdown").get_by_role("link", name="Тацинский район").click()
    page.locator("#breakdown").get_by_role("link", name="МБОУ «Тацинская СОШ №2»").click()
    expect(page.locator('#indicators tr[data-code="gia"]')).to_contain_text("нет данных")
    expect(page.locator('#indicators tr[data-code="support"]')).to_have_attribute("data-light", "green")
    expect(page.locator('#indicators tr[data-code="gia"]')).to_have_attribute("data-light", "none")
    page.screenshot(path="/tmp/e2e-indicators.png", full_page=True)  # noqa: S108
    assert errors == []


def test_dashboard_without_javascript_is_its_tables(browser, live_server, world):
    build_programme(world)
    context = browser.new_context(java_script_enabled=False, locale="ru-RU", base_url=live_server.url)
    page = context.new_page()
    try:
        sign_in(page, "methodist")
        page.goto("/roadmaps/dashboard/")
        expect(page.locator("#flags-chart-figure")).to_be_hidden()
        expect(page.locator("#by-year-table")).to_be_visible()
        expect(page.locator("#municipality-table")).to_be_visible()
        expect(page.locator("#dashboard-indicators tbody tr")).to_have_count(8)
    finally:
        context.close()
