"""Browser tests: headless Chromium from the system (Debian's package), driven by Playwright's sync API."""

import os
import shutil

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls from the
# test body ("You cannot call this from an async context"). The calls are synchronous, so allow them.
# (tests that start subprocesses remove it from their environment.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
# Playwright cannot download its own browser here; these flags keep the system one quiet and offline.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in this thread while it is
# open, and later tests that start their own loop (pyHanko's signature validation) would find it running.
@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium не найден ({CHROMIUM}): установите пакет chromium."
        if settings.CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="ru-RU", viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
