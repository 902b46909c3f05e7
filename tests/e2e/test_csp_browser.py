"""The Content Security Policy holds in a real browser: the main pages, the API docs and the admin load under it
without a single violation (Chromium reports each one on the console as «… Content Security Policy …»)."""

import pytest
from playwright.sync_api import Page, expect

from reports import services
from reports.models import ReportKind
from tests.builders.roadmaps import Y, build_programme
from tests.e2e.test_browser import sign_in
from tests.e2e.test_dashboard_browser import CANVAS_DRAWN

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.today]

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(response) -> dict[str, str]:
    header = response.headers.get("content-security-policy", "")
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def watch(page: Page) -> dict[str, list[str]]:
    """Console messages about the policy and any other console error or uncaught exception, by kind."""
    seen: dict[str, list[str]] = {"csp": [], "errors": []}

    def on_console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            seen["csp"].append(f"{page.url}: {message.text}")
        elif message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            # (the admin's pages name no icon, so the browser asks for /favicon.ico: a 404 of no interest)
            seen["errors"].append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen["errors"].append(f"{page.url}: {error}"))
    return seen


def visit(page: Page, url: str, heading: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    assert directives(response) == POLICY, url
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    page.wait_for_load_state("networkidle")


def test_main_pages_of_a_methodologist_raise_no_violation(page: Page, world, monkeypatch):
    build_programme(world)
    monkeypatch.setattr(services, "_schedule", lambda report: None)  # stays «в очереди»: the page polls
    report = services.report_request(
        user=world.users["methodist"], kind=ReportKind.TERRITORY, year=Y, municipality_id=world.mun_a.pk
    )
    seen = watch(page)
    sign_in(page, "methodist")

    visit(page, "/", "Здравствуйте")
    visit(page, "/schools/", "Школы")
    visit(page, f"/schools/{world.school_a1.pk}/", "Каштановская")
    visit(page, "/schools/flags/", "Статусы ШНОР")
    visit(page, "/roadmaps/dashboard/", "Обзор территории")
    # Chart.js runs under script-src 'self' and sizes its canvases through the CSSOM, which style-src allows.
    for chart in ("flags-chart", "indicators-chart"):
        page.wait_for_function(CANVAS_DRAWN, arg=chart)
    visit(page, "/reports/", "Отчёты")
    # A report being built polls its status (connect-src falls back to default-src 'self').
    status_url = f"/reports/{report.pk}/status/"
    with page.expect_response(lambda response: response.url.endswith(status_url)) as polled:
        visit(page, f"/reports/{report.pk}/", "Аналитическая справка")
    assert polled.value.status == 200

    assert seen == {"csp": [], "errors": []}


def test_api_docs_and_the_browsable_api_work_under_the_policy(page: Page, world):
    seen = watch(page)
    sign_in(page, "methodist")
    response = page.goto("/api/v1/docs/")
    assert response is not None and response.status == 200
    assert directives(response) == POLICY  # the docs page keeps to the portal's policy, unrelaxed
    # Swagger UI fetched the schema and drew the operations.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API портала ШНОР")
    expect(page.locator(".opblock").first).to_be_visible()
    # «Try it out» sends a same-origin request with the session (connect-src falls back to 'self').
    ping = page.locator("#operations-ping-ping_retrieve")
    ping.locator(".opblock-summary").click()
    ping.get_by_role("button", name="Try it out").click()
    ping.get_by_role("button", name="Execute").click()
    expect(ping.locator(".live-responses-table tr.response .response-col_status")).to_have_text("200")
    # No «valid» badge from validator.swagger.io (an outside image the policy would refuse).
    assert page.evaluate("() => ui.getConfigs().validatorUrl") is None
    expect(page.locator(".swagger-ui img[src*='validator']")).to_have_count(0)

    # The browsable API allows inline styles (DRF's template has some) and nothing else beyond the policy.
    for url in ("/api/v1/", "/api/v1/schools/", f"/api/v1/schools/{world.school_a1.pk}/"):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert directives(response) == POLICY | {"style-src": "'self' 'unsafe-inline'"}, url
        page.wait_for_load_state("networkidle")
    assert seen == {"csp": [], "errors": []}


def test_admin_works_under_the_policy(page: Page, world):
    seen = watch(page)
    sign_in(page, "root")
    for url in (
        "/admin/",
        "/admin/schools/school/",
        f"/admin/schools/school/{world.school_a1.pk}/change/",
        "/admin/core/user/add/",
        f"/admin/core/user/{world.users['methodist'].pk}/change/",  # autocomplete (select2) of the roles
        "/admin/mentoring/order/add/",  # the calendar of a date field
    ):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert directives(response) == POLICY, url
        page.wait_for_load_state("networkidle")
    # The admin's own scripts run: the filter sidebar and the actions bar of a change list.
    page.goto("/admin/schools/school/")
    expect(page.locator("#changelist-form .actions select")).to_be_visible()
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("Выбрано")
    assert seen == {"csp": [], "errors": []}
