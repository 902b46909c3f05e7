"""Finished list pages of the API, kept in Redis — one store for every web process — until the data under them
change.

Regional systems ask for the same pages again and again (every system of a region, every night, mostly
unchanged). A page is kept as the bytes that were sent, under the reach of the key that asked and its address,
and served again without a query of the data, by whichever web process is asked next.

PostgreSQL says when data change: statement triggers on every table the cached lists read (migration
api/0002_change_notify) call ``pg_notify('api_data_changed')``. A notice is delivered when the writing
transaction commits, whatever wrote — the ORM, the COPY of an import, raw SQL. A thread of each web process
LISTENs and moves the shared *generation* (a counter in Redis) on at every notice. A page is kept with the
generation read *before* its queries ran — and only if the generation is still that one when it is stored (one
Lua script, atomic in Redis) — and served only while the generation is still that one. So a page that may have
missed a write is never served once that write's notice has arrived at any listener.

A process serves and stores pages only while its own listener is connected: every serving process then moves
the generation on at each notice itself, and a process whose listener is down (a notice could be missed) keeps
out. Each time a listener (re)connects it moves the generation on, which drops everything kept before. If
Redis is emptied, the generation starts again from the clock, never from a value an old page could carry.

Only API keys' pages in JSON are kept, per reach (a region, or a set of municipalities), so the systems of one
region share them: a person's reach depends on role assignments the triggers do not watch, and the browsable
API is for people. An answer to ``updated_since`` is for one sync's moment and is not kept. Where it pays: the
same pages asked again — several systems of a region, a system polling its first pages; a nightly full sync that
reads each page once gains nothing.

Size: ``API_PAGE_CACHE_MB`` bounds the pages' total in Redis (the oldest stored go first, and every page goes
after ``TTL_SECONDS``); 0 turns the cache off, as does an empty ``API_PAGE_CACHE_URL``. A Redis that fails is
a cache that is off for that call: the API answers from the database.
"""

import logging
import threading
import time

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
LISTEN_KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}
# A page nobody asks for leaves Redis after this long, whatever the size bound.
TTL_SECONDS = 3600
# A Redis that does not answer must not hold the request long: the page is built instead, and the cache rests.
REDIS_TIMEOUT_SECONDS = 0.5
REST_SECONDS = 5
# The modules whose code shapes a cached page (their digest is in the keys: a new release has its own pages).
OUTPUT_MODULES = (
    "api.base",
    "api.rows",
    "api.views",
    "api.serializers",
    "api.pagination",
    "api.page_cache",
    "schools.models",
)

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

# KEYS: generation, page, order of storing (a list of "size:key"), total bytes.
# ARGV: the generation the page was built under, the page, seconds to live, the bound in bytes.
# Stores the page only if the generation has not moved since its queries, then drops the oldest stored pages
# while the total is over the bound. A page stored twice is counted twice until its older entry goes: the
# count never falls below what is really kept.
STORE_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
local size = string.len(ARGV[2])
redis.call('RPUSH', KEYS[3], size .. ':' .. KEYS[2])
local total = redis.call('INCRBY', KEYS[4], size)
local limit = tonumber(ARGV[4])
while total > limit do
  local oldest = redis.call('LPOP', KEYS[3])
  if not oldest then
    redis.call('SET', KEYS[4], 0)
    break
  end
  local colon = string.find(oldest, ':', 1, true)
  redis.call('DEL', string.sub(oldest, colon + 1))
  total = redis.call('DECRBY', KEYS[4], tonumber(string.sub(oldest, 1, colon - 1)))
end
return 1
"""


def _limit() -> int:
    return int(getattr(settings, "API_PAGE_CACHE_MB", 0) * 1024 * 1024)


class _Store:
    """The Redis of the pages: one client per process (redis-py's pool is safe between threads and forks)."""

    def __init__(self):
        self._client = None
        self._url = None
        self._lock = threading.Lock()
        self.highest = 0  # the highest generation this process has seen: Redis must never go below it
        self.down_until = 0.0  # after a failure the cache rests for a while instead of waiting on every call
        self._fingerprint = None

    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self) -> None:
        self.down_until = time.monotonic() + REST_SECONDS

    @property
    def url(self) -> str:
        return getattr(settings, "API_PAGE_CACHE_URL", "") or ""

    def client(self):
        url = self.url
        if self._client is None or self._url != url:
            import redis

            with self._lock:
                self._client = redis.Redis.from_url(
                    url,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                )
                self._store = self._client.register_script(STORE_SCRIPT)
                self._url = url
        return self._client

    def key(self, name: str) -> str:
        """Keys of this database's pages and of this code's output: portals (and test runs) sharing one Redis do
        not meet, and during a deployment the processes of the old code and of the new one keep apart."""
        db = connections["default"].settings_dict
        return f"api:pages:{db['HOST']}:{db['PORT']}:{db['NAME']}:{self.fingerprint()}:{name}"

    def fingerprint(self) -> str:
        """A digest of the code that shapes the cached pages (read once per process)."""
        if self._fingerprint is None:
            import hashlib
            import importlib

            digest = hashlib.sha256()
            for module in OUTPUT_MODULES:
                with open(importlib.import_module(module).__file__, "rb") as source:
                    digest.update(source.read())
            self._fingerprint = digest.hexdigest()[:12]
        return self._fingerprint

    @property
    def generation_key(self) -> str:
        return self.key("generation")

    def move_generation(self) -> None:
        """A new generation: everything stored before is no longer served. Started from the clock if absent."""
        pipe = self.client().pipeline(transaction=False)
        pipe.set(self.generation_key, time.time_ns(), nx=True)
        pipe.incr(self.generation_key)
        self.highest = max(self.highest, pipe.execute()[1])

    def read(self, page_key: str) -> tuple[bytes | None, bytes | None]:
        """The generation and the page kept under ``page_key`` (None for either that is absent, or for both if
        Redis went back in time)."""
        generation, page = self.client().mget(self.generation_key, page_key)
        if generation is None:  # Redis was emptied: start again from the clock (no page can carry it)
            self.client().set(self.generation_key, time.time_ns(), nx=True)
            return None, None
        if int(generation) < self.highest:
            # Redis went back (restored from its snapshot, a lagging replica): its pages may predate notices
            # already seen. A generation beyond any seen drops them.
            self.client().set(self.generation_key, max(time.time_ns(), self.highest) + 1)
            return None, None
        self.highest = int(generation)
        return generation, page

    def store(self, page_key: str, generation: bytes, value: bytes) -> bool:
        self.client()
        stored = self._store(
            keys=[self.generation_key, page_key, self.key("order"), self.key("bytes")],
            args=[generation, value, TTL_SECONDS, _limit()],
        )
        return bool(stored)

    def clear(self) -> None:
        """Forget every page of this database (tests; an operator after restoring a backup)."""
        client = self.client()
        keys = list(client.scan_iter(match=self.key("*"), count=1000))
        if keys:
            client.delete(*keys)


class _Listener:
    """LISTENs in a daemon thread of the current process (started again after a fork)."""

    def __init__(self):
        self.listening = False
        self.notices = 0  # received by this process (tests wait for it)
        self.last_payload = ""  # of the latest notice: tests send their own to know earlier ones arrived
        self.backend_pid: int | None = None  # the listening connection's PostgreSQL process
        self._thread = ProcessThread("api-page-cache", self._run, on_start=self._forget)

    def _forget(self) -> None:
        self.listening = False

    def ensure_started(self) -> None:
        self._thread.ensure_started()

    def stop(self) -> None:
        """End the thread (within CHECK_SECONDS): for tests, which drop the database."""
        self._thread.stop(timeout=CHECK_SECONDS + 5)
        self.listening = False

    def _run(self, stopping: threading.Event) -> None:
        import psycopg

        params = connections["default"].get_connection_params()
        for option in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(option, None)
        # A silently cut network must not leave the check below waiting for TCP's own timeout (~15 min) while
        # the process still believes it is listening.
        for option, value in LISTEN_KEEPALIVE.items():
            params.setdefault(option, value)
        while not stopping.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    store.move_generation()  # whatever was kept before may have missed a notice
                    self.listening = True
                    while not stopping.is_set():
                        for notice in conn.notifies(timeout=CHECK_SECONDS):
                            store.move_generation()
                            self.notices += 1
                            self.last_payload = notice.payload
                        conn.execute("SELECT 1")  # still connected?
            except Exception:  # noqa: BLE001 - the cache stops in this process; the API goes on without it
                if self.listening:
                    logger.warning(
                        "Кэш страниц API отключён в процессе: потеряна связь LISTEN с PostgreSQL "
                        "или Redis не отвечает",
                        exc_info=True,
                    )
            finally:
                self.listening = False
            stopping.wait(RETRY_SECONDS)


listener = _Listener()
store = _Store()


def _pack(generation: bytes, content: bytes, content_type: str, etag: str, rows: int | None) -> bytes:
    head = b"\n".join([generation, etag.encode(), content_type.encode(), str(rows).encode()])
    return head + b"\n" + content


def _unpack(value: bytes) -> tuple[bytes, bytes, str, str, int | None]:
    generation, etag, content_type, rows, content = value.split(b"\n", 4)
    return generation, content, content_type.decode(), etag.decode(), None if rows == b"None" else int(rows)


class PageSlot:
    """Where one request's page is (or will be) kept; ``None`` from ``slot_for`` when it is not to be kept."""

    def __init__(self, key: str):
        self.key = key
        self.generation: bytes | None = None  # read before the page's queries; None: the page is not stored

    def cached(self) -> HttpResponse | None:
        try:
            generation, value = store.read(self.key)
        except Exception as error:  # noqa: BLE001 - Redis down: the page is built and not kept
            store.failed()
            logger.warning("Кэш страниц API: Redis не отвечает (%s), страницы строятся из базы", error)
            return None
        self.generation = generation
        if value is None or generation is None:
            return None
        try:
            kept_generation, content, content_type, etag, rows = _unpack(value)
        except ValueError:  # not a page of ours: built again and stored over it
            return None
        if kept_generation != generation:
            return None
        response = HttpResponse(content, content_type=content_type)
        response["ETag"] = etag  # kept: ConditionalGetMiddleware need not hash the page again
        response.api_rows = rows  # for the call log (api.base.LoggedMixin)
        return response

    def keep(self, response, rows: int | None) -> None:
        """Keep ``response`` once rendered, if it is a full answer and nothing changed since ``cached()``."""
        generation = self.generation
        if generation is None:
            return

        def put(rendered) -> None:
            if rendered.status_code != 200 or not listener.listening:
                return
            set_response_etag(rendered)  # as ConditionalGetMiddleware would (it keeps an ETag already set)
            value = _pack(generation, rendered.content, rendered["Content-Type"], rendered["ETag"], rows)
            if len(value) > _limit() // 4:  # one huge page must not push out everything else
                return
            try:
                store.store(self.key, generation, value)
            except Exception as error:  # noqa: BLE001 - not kept this time; the answer is already made
                store.failed()
                logger.warning("Кэш страниц API: страница не сохранена в Redis (%s)", error)

        response.add_post_render_callback(put)


def slot_for(request) -> PageSlot | None:
    from .models import ClientKey

    key = getattr(request, "auth", None)
    if not isinstance(key, ClientKey) or request.method != "GET" or _limit() <= 0 or not store.url:
        return None
    if not store.available():  # Redis failed a moment ago
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
    # Per reach, not per key: the systems of one region share its pages (these lists print no personal data,
    # which is the only other thing a key changes). The whole address: the next/previous links carry the host
    # and scheme the page was asked by.
    return PageSlot(store.key(f"page:{request.user.reach}:{request.build_absolute_uri()}"))
