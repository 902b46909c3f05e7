"""Finished list pages of the API, kept in each process's memory until the data under them change.

Regional systems ask for the same pages again and again (every system of a region, every night, mostly
unchanged). A page is kept as the bytes that were sent, under the key that asked, its address and the data's
*generation*, and served again without a query of the data.

PostgreSQL says when data change: statement triggers on every table the cached lists read (migration
api/0002_change_notify) call ``pg_notify('api_data_changed')``. A notice is delivered when the writing
transaction commits, whatever wrote — the ORM, the COPY of an import, raw SQL. A thread of each process
LISTENs and moves ``generation`` on at every notice. A page is stored under the generation read *before* its
queries ran, so a page that may have missed a write is never served once that write's notice has arrived.
While the listening connection is down nothing is stored or served (a notice could be missed); once it is back
the generation moves on, which drops everything kept before.

Only API keys' pages in JSON are kept, per reach (a region, or a set of municipalities), so the systems of one
region share them: a person's reach depends on role assignments the triggers do not watch, and the browsable
API is for people. An answer to ``updated_since`` is for one sync's moment and is not kept. Where it pays: the
same pages asked again — several systems of a region, a system polling its first pages; a nightly full sync that
reads each page once gains nothing. ``API_PAGE_CACHE_MB`` (per process; 0 turns it off) bounds it.
"""

import logging
import threading
from collections import OrderedDict

from django.conf import settings
from django.db import connections
from django.http import HttpResponse
from django.utils.cache import set_response_etag

from core.process_thread import ProcessThread

logger = logging.getLogger("api.page_cache")

CHANNEL = "api_data_changed"
# A silent network failure would leave the listener waiting for ever: it checks its connection this often.
CHECK_SECONDS = 10
RETRY_SECONDS = 2

# The tables whose rows the cached lists print or filter by (the migration puts the trigger on each; a test
# checks that every model a cached list reads is here).
WATCHED_MODELS = (
    "schools.Region",
    "schools.Municipality",
    "schools.School",
    "schools.ProcedureKind",
    "schools.Subject",
    "schools.Procedure",
    "schools.Result",
    "schools.FlagComputation",
    "schools.FlagDecision",
    "api.Tombstone",
    "api.ClientKey",
    "api.ClientKey_municipalities",
)


class _Listener:
    """LISTENs in a daemon thread of the current process (started again after a fork)."""

    def __init__(self):
        self.generation = 0
        self.listening = False
        self.backend_pid: int | None = None  # the listening connection's PostgreSQL process
        self._thread = ProcessThread("api-page-cache", self._run, on_start=self._forget)

    def _forget(self) -> None:
        self.listening = False

    def ensure_started(self) -> None:
        self._thread.ensure_started()

    def stop(self) -> None:
        """End the thread (within CHECK_SECONDS) and forget what was kept: for tests, which drop the database."""
        self._thread.stop(timeout=CHECK_SECONDS + 5)
        self.listening = False
        pages.clear()

    def _run(self, stopping: threading.Event) -> None:
        import psycopg

        params = connections["default"].get_connection_params()
        for option in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(option, None)
        while not stopping.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self.generation += 1  # whatever was kept before may have missed a notice
                    self.listening = True
                    while not stopping.is_set():
                        for _notice in conn.notifies(timeout=CHECK_SECONDS):
                            self.generation += 1
                        conn.execute("SELECT 1")  # still connected?
            except Exception:  # noqa: BLE001 - the cache stops; the API goes on without it
                if self.listening:
                    logger.warning(
                        "Кэш страниц API отключён: потеряна связь LISTEN с PostgreSQL", exc_info=True
                    )
            finally:
                self.listening = False
            stopping.wait(RETRY_SECONDS)


class _Pages:
    """Least recently used pages, bounded by their total size."""

    def __init__(self):
        self._items: OrderedDict[tuple, tuple[bytes, str, str, int | None]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple, item: tuple[bytes, str, str, int | None], limit: int) -> None:
        size = len(item[0])
        if size > limit // 4:  # one huge page must not push out everything else
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._items[key] = item
            self._bytes += size
            while self._bytes > limit:
                _key, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped[0])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


listener = _Listener()
pages = _Pages()


def _limit() -> int:
    return int(getattr(settings, "API_PAGE_CACHE_MB", 0) * 1024 * 1024)


class PageSlot:
    """Where one request's page is (or will be) kept; ``None`` from ``slot_for`` when it is not to be kept."""

    def __init__(self, key: tuple):
        self.key = key

    def cached(self) -> HttpResponse | None:
        item = pages.get(self.key) if listener.listening else None
        if item is None:
            return None
        content, content_type, etag, rows = item
        response = HttpResponse(content, content_type=content_type)
        response["ETag"] = etag  # kept: ConditionalGetMiddleware need not hash the page again
        response.api_rows = rows  # for the call log (api.base.LoggedMixin)
        return response

    def keep(self, response, rows: int | None) -> None:
        """Keep ``response`` once rendered, if it is a full answer and nothing changed meanwhile."""
        generation = self.key[0]

        def store(rendered) -> None:
            if rendered.status_code == 200 and listener.listening and listener.generation == generation:
                set_response_etag(
                    rendered
                )  # as ConditionalGetMiddleware would (it keeps an ETag already set)
                item = (rendered.content, rendered["Content-Type"], rendered["ETag"], rows)
                pages.put(self.key, item, _limit())

        response.add_post_render_callback(store)


def slot_for(request) -> PageSlot | None:
    from .models import ClientKey

    key = getattr(request, "auth", None)
    if not isinstance(key, ClientKey) or request.method != "GET" or _limit() <= 0:
        return None
    if "updated_since" in request.query_params:  # an answer for one sync's moment: asked once, not kept
        return None
    if connections["default"].vendor != "postgresql":
        return None
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or getattr(renderer, "format", None) != "json":
        return None
    listener.ensure_started()
    if not listener.listening:
        return None
    # The generation first: the page's queries run after it is read (see the module's docstring).
    # Per reach, not per key: the systems of one region share its pages (these lists print no personal data,
    # which is the only other thing a key changes). The whole address: the next/previous links carry the host
    # and scheme the page was asked by.
    return PageSlot((listener.generation, request.user.reach, request.build_absolute_uri()))
