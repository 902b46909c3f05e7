"""Every page of the access matrix, as every role that may open it, has no critical or serious axe-core violation.

axe-core (Deque Systems, MPL-2.0) is the engine; its ``axe.min.js`` comes with the pinned dev dependency
``axe-playwright-python`` (pyproject.toml), which bundles it unchanged, licence header included. The pages are the
access matrix's (tests/core/test_access_matrix.py): the same URLconf walk, the same world built once for the
module (one object per URL pattern), the same signed-in users. Every (page, role) that the matrix answers 200 is
rendered; an HTML answer is loaded in Chromium (one browser for the module, one page per role) and checked.

No live server: the world lives in the module's open transaction, which a server thread would not see. Chromium
asks for ``http://portal.test/…`` and a Playwright route answers every request (the page, its CSS and scripts)
through the role's Django test client, so the page is exactly what the portal serves, its headers
(Content-Security-Policy) included.

Speed (``make test`` must stay quick on two cores): a page whose ``<main>`` is the same as one already checked (the
methodologist's and the superuser's list of the same schools, say) is not loaded again, since the header and the
menu around it are checked on each role's own pages; what is left is timed and printed at the module's end.

Impact levels are axe's (https://github.com/dequelabs/axe-core/blob/develop/doc/rule-descriptions.md): «critical»
and «serious» cover the WCAG 2.1 A/AA failures that block or seriously hinder someone — a control without a
label, an image without text, contrast below 4.5:1 (WCAG 2.1 SC 1.4.3), a page without ``lang``, table headers
that point nowhere, a scrolling region the keyboard cannot reach.
"""

import hashlib
import re
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse

from tests.core.test_access_matrix import (  # noqa: F401  (signed_in_clients is the matrix's world, a fixture)
    EXPECTED,
    KWARGS,
    ROLES,
    signed_in_clients,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

ORIGIN = "http://portal.test"
BLOCKING = {"critical", "serious"}
MAIN = re.compile(r"<main\b.*</main>", re.S)
TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>")
ATTRIBUTE = re.compile(r'([\w:-]+)(?:="([^"]*)")?')
# A run of alike siblings (table rows, list items, options, cards…) as one: «</tr >» is a closing tag of ``shape``.
REPEATED = re.compile(
    r"(<(tr|li|option|article|p|dd|dt|div|a|span|td|th)\b[^>]*>(?:(?!<\2\b).)*?</\2 >)(?:\1)+", re.S
)


def shape(html: str) -> str:
    """The page's ``<main>`` as markup alone: its tags with their classes and the names of their other
    attributes, no text and no other values (names, numbers, ids and tokens differ from role to role where the
    page is the same), and a run of alike siblings (rows, items, cards) as one. Two pages of one shape ask axe
    the same questions."""
    main = MAIN.search(html)
    tags = []
    for closing, name, attributes in TAG.findall(main.group(0) if main else html):
        kept = sorted(
            f"{key}={value}" if key in {"class", "role", "type", "scope"} else key
            for key, value in ATTRIBUTE.findall(attributes)
        )
        tags.append(f"<{closing}{name} {' '.join(kept)}>")
    markup = "".join(tags)
    for _ in range(3):  # rows of cells of spans: a run inside a run
        markup = REPEATED.sub(r"\1", markup)
    return markup


TIMES: Counter = Counter()  # seconds by phase
COUNTS: Counter = Counter()  # pages by outcome


class Portal:
    """Answers Chromium's requests through Django's test clients, in a thread of its own.

    Playwright calls a route handler inside its event loop, where Django refuses to run an async view (the health
    pages are async). One worker thread runs the requests instead, on this thread's database connection (as
    Django's LiveServerThread shares an in-memory SQLite one), so it sees the module's world; this thread waits
    for each answer, so the connection is never used by two threads at once."""

    def __init__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.connection.inc_thread_sharing()
        self.executor = ThreadPoolExecutor(max_workers=1, initializer=self._share_connection)
        self.errors: list[str] = []
        self.ready: dict[
            str, tuple[int, dict, bytes]
        ] = {}  # path → the answer rendered before the navigation

    def _share_connection(self):
        connections[DEFAULT_DB_ALIAS] = self.connection

    def close(self):
        self.executor.shutdown()
        self.connection.dec_thread_sharing()

    def _request(self, client, method, path, body=b"", content_type="application/octet-stream"):
        try:
            response = client.generic(method, path, data=body, content_type=content_type)
        except Exception:
            self.errors.append(f"{method} {path}:\n{traceback.format_exc()}")
            return 500, {"Content-Type": "text/plain"}, b"error"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, dict(response.items()), body

    def get(self, client, path) -> tuple[int, dict, bytes]:
        return self.executor.submit(self._request, client, "GET", path).result()

    def handler(self, client):
        def handle(route, request):
            parts = urlsplit(request.url)
            if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
                route.abort()  # nothing leaves the machine
                return
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            answer = self.ready.pop(path, None) if request.is_navigation_request() else None
            if answer is None:
                content_type = request.headers.get("content-type", "application/octet-stream")
                answer = self.executor.submit(
                    self._request, client, request.method, path, request.post_data_buffer or b"", content_type
                ).result()
            status, headers, body = answer
            route.fulfill(status=status, headers=headers, body=body)

        return handle


# Known and not solved: on PostgreSQL the session's end warns «database … is being accessed by other users»; the idle
# connection is the one that migrated the test database (its last query is the content types'), no longer the
# thread's after Playwright started. Closing all connections before Chromium starts did not help. The database is
# dropped and made again by the next run; SQLite does not warn.
@pytest.fixture(scope="module")
def sweep(browser, signed_in_clients):  # noqa: F811  (the matrix's fixture, imported)
    """A Chromium page per role, each asking the portal through that role's signed-in test client."""
    clients, objects = signed_in_clients
    portal = Portal()
    pages, contexts = {}, []
    for role in ROLES:
        context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        context.route("**/*", portal.handler(clients[role]))
        contexts.append(context)
        pages[role] = context.new_page()
    yield pages, clients, objects, portal, set()
    for context in contexts:
        context.close()
    portal.close()
    print(
        f"\naxe sweep: {dict(COUNTS)}; "
        + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in TIMES.most_common())
    )


def blocking_violations(page) -> list[str]:
    """axe-core's critical and serious violations of the loaded page, a line per rule with its first nodes."""
    started = time.perf_counter()
    page.evaluate(AXE_SCRIPT)
    injected = time.perf_counter()
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    TIMES["axe inject"] += injected - started
    TIMES["axe run"] += time.perf_counter() - injected
    lines = []
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING:
            nodes = "; ".join(
                f"{' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
                for node in violation["nodes"][:3]
            )
            lines.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}): {nodes}")
    return lines


def check(sweep, role: str, url: str) -> list[str]:
    pages, clients, _objects, portal, seen = sweep
    started = time.perf_counter()
    status, headers, body = portal.get(clients[role], url)
    TIMES["render"] += time.perf_counter() - started
    assert status == 200, f"{url} ({role}): {status}"
    if not headers.get("Content-Type", "").startswith("text/html"):
        COUNTS["not HTML"] += 1
        return []  # a download (PDF, Excel, CSV, .sig): nothing for axe
    key = hashlib.sha256(shape(body.decode()).encode()).hexdigest()
    if key in seen and url != "/":  # each role's home page checks its header and menu
        COUNTS["same shape as a checked page"] += 1
        return []
    seen.add(key)
    portal.ready[url] = (status, headers, body)
    started = time.perf_counter()
    pages[role].goto(ORIGIN + url, wait_until="load")
    TIMES["load"] += time.perf_counter() - started
    COUNTS["checked"] += 1
    return blocking_violations(pages[role])


# The monitoring pages (core/health.py) are async views: run from the worker thread, their checks open database
# connections in an event loop's executor threads that outlive the module and keep the test database from being
# dropped. They are a short table of services in the portal's layout; not swept.
NOT_SWEPT = {"health", "health_web"}


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - NOT_SWEPT))
def test_page_has_no_serious_violations(name, sweep):
    objects = sweep[2]
    portal = sweep[3]
    url = reverse(name, kwargs=KWARGS[name](objects) if name in KWARGS else {})
    portal.errors.clear()
    found = {}
    for role in ROLES:
        if EXPECTED[name][role] == 200:
            violations = check(sweep, role, url)
            if violations:
                found[role] = violations
    assert not portal.errors, "\n".join(portal.errors)
    assert not found, f"{name} ({url}):\n" + "\n".join(
        f"  {role}: {line}" for role, lines in found.items() for line in lines
    )
