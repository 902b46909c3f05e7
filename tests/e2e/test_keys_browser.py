"""The keys page's «Копировать» in a real browser (issue #17, item 15): the new key reaches the clipboard through
the Clipboard API, and where that API is missing (a page served over plain HTTP) it is copied the older way —
under the Content-Security-Policy, with no violation."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_browser import sign_in
from tests.e2e.test_csp_browser import watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def issue_key(page: Page) -> str:
    page.goto("/api-keys/")
    page.get_by_label("Клиент (система)").fill("РИС РЦОИ")
    page.get_by_role("button", name="Выдать ключ").click()
    key = page.locator("#new-key")
    expect(key).to_be_visible()
    return key.inner_text().strip()


def test_the_copy_button_puts_the_new_key_on_the_clipboard(page: Page, world):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    seen = watch(page)
    sign_in(page, "regional_methodist")
    raw = issue_key(page)
    page.get_by_role("button", name="Копировать").click()
    expect(page.locator("#new-key-copied")).to_have_text("Скопировано.")
    assert page.evaluate("navigator.clipboard.readText()") == raw
    assert seen == {"csp": [], "errors": []}


def test_without_the_clipboard_api_the_key_is_copied_the_older_way(page: Page, world):
    # As over plain HTTP, where navigator.clipboard does not exist.
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});")
    seen = watch(page)
    sign_in(page, "regional_methodist")
    raw = issue_key(page)
    assert page.evaluate("navigator.clipboard") is None
    page.get_by_role("button", name="Копировать").click()
    expect(page.locator("#new-key-copied")).to_have_text("Скопировано.")
    assert page.evaluate("window.getSelection().toString()").strip() == raw  # what execCommand copied
    assert seen == {"csp": [], "errors": []}
