"""api.page_cache: a list page is served from Redis until PostgreSQL tells of a committed change to a table under
it — by the ORM or by raw SQL; nothing is kept or served while the listening connection is down; pages are kept
per reach (shared by the keys of a region), not for updated_since; the browsable API and people's sessions are
never cached; every table a cached list reads is watched; a page kept by another process is served, one kept
under an older generation is not; a Redis that fails or is emptied costs nothing but the cache; the pages are
bounded by size.

The writes here are committed (``transactional_db``): a notice is only sent at commit. The Redis is the test
Redis (TEST_REDIS_URL), the keys are the test database's and are removed after each test."""

import time
import uuid

import pytest
from django.apps import apps
from django.db import connection

from api import page_cache
from api.auth import ApiPrincipal
from api.models import ApiCallLog
from schools.models import ProcedureKind, School
from tests.api.test_core_api import auth
from tests.api.test_core_api import make_key as make_uncommitted_key
from tests.api.test_rows import rows_viewsets
from tests.conftest import make_world
from tests.schools.test_flags import add

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "не дождались"
        time.sleep(0.02)


@pytest.fixture
def cache_on(settings, monkeypatch):
    settings.API_PAGE_CACHE_MB = 8
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 0.2)  # stop() ends the thread quickly
    monkeypatch.setattr(page_cache, "RETRY_SECONDS", 0.2)
    page_cache.store.clear()
    page_cache.store.highest, page_cache.store.down_until = 0, 0.0
    page_cache.listener.ensure_started()
    wait_for(lambda: page_cache.listener.listening)
    yield page_cache.listener
    page_cache.listener.stop()  # before the test database is dropped
    page_cache.store.clear()


def settle() -> None:
    """Wait until the listener has had the notices of every write committed so far (they arrive in order, after
    the test's own): a late one would move the generation between a test's two calls."""
    token = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [page_cache.CHANNEL, token])
    wait_for(lambda: page_cache.listener.last_payload == token)


@pytest.fixture
def world_committed(cache_on):
    world = make_world()
    settle()
    return world


def make_key(*args, **kwargs):
    made = make_uncommitted_key(*args, **kwargs)  # committed: the keys' table is watched too
    settle()
    return made


def names(response) -> dict[int, str]:
    return {row["id"]: row["name"] for row in response.json()["results"]}


def changed_since(notices: int):
    """The listener has had a notice since it had ``notices`` (and moved the generation on before counting it)."""
    return lambda: page_cache.listener.notices > notices


def generation() -> int:
    return int(page_cache.store.client().get(page_cache.store.generation_key))


def kept_pages() -> int:
    return sum(1 for _ in page_cache.store.client().scan_iter(match=page_cache.store.key("page:*")))


def test_a_page_is_served_from_memory_until_its_table_changes(
    client, cache_on, world_committed, django_assert_num_queries
):
    _key, raw = make_key(world_committed)
    first = client.get("/api/v1/schools/", **auth(raw))
    assert first.status_code == 200
    # Kept: the key (with the lockout check) and the call log are all that is asked of the database.
    with django_assert_num_queries(2):
        again = client.get("/api/v1/schools/", **auth(raw))
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert again["ETag"] == first["ETag"]
    not_modified = client.get("/api/v1/schools/", HTTP_IF_NONE_MATCH=first["ETag"], **auth(raw))
    assert not_modified.status_code == 304
    assert ApiCallLog.objects.filter(endpoint="/api/v1/schools/").order_by("-pk")[0].rows == 3

    notices = cache_on.notices
    School.objects.filter(pk=world_committed.school_a1.pk).update(name="МБОУ «Новая СОШ»")
    wait_for(changed_since(notices))
    fresh = client.get("/api/v1/schools/", **auth(raw))
    assert names(fresh)[world_committed.school_a1.pk] == "МБОУ «Новая СОШ»"


def test_a_write_by_raw_sql_is_seen_too(client, cache_on, world_committed):
    _key, raw = make_key(world_committed)
    ProcedureKind.objects.get_or_create(code="ОГЭ", defaults={"name": "ОГЭ"})  # the tables were emptied
    result = add(world_committed.school_a1, "ОГЭ", "математика", 9, 2025, 10, 100)
    assert client.get("/api/v1/results/", **auth(raw)).json()["results"][0]["failed"] == 10
    notices = cache_on.notices
    with connection.cursor() as cursor:  # as an import's COPY would: no ORM, no signal
        cursor.execute("UPDATE schools_result SET failed = 40 WHERE id = %s", [result.pk])
    wait_for(changed_since(notices))
    assert client.get("/api/v1/results/", **auth(raw)).json()["results"][0]["failed"] == 40


def test_a_rolled_back_write_keeps_the_pages(client, cache_on, world_committed):
    from django.db import transaction

    _key, raw = make_key(world_committed)
    first = client.get("/api/v1/schools/", **auth(raw))
    notices, before = cache_on.notices, generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        School.objects.filter(pk=world_committed.school_a1.pk).update(name="не сохранится")
        raise RuntimeError
    time.sleep(0.3)
    assert (cache_on.notices, generation()) == (notices, before)  # no commit, no notice
    assert client.get("/api/v1/schools/", **auth(raw)).content == first.content


def test_nothing_is_kept_or_served_while_not_listening(
    client, cache_on, world_committed, django_assert_max_num_queries
):
    _key, raw = make_key(world_committed)
    client.get("/api/v1/schools/", **auth(raw))
    with connection.cursor() as cursor:  # the listener's connection is lost
        cursor.execute("SELECT pg_terminate_backend(%s)", [cache_on.backend_pid])
    wait_for(lambda: not cache_on.listening)
    before = generation()
    School.objects.filter(pk=world_committed.school_a1.pk).update(name="МБОУ «Пока не слушали»")
    assert names(client.get("/api/v1/schools/", **auth(raw)))[world_committed.school_a1.pk] == (
        "МБОУ «Пока не слушали»"
    )
    wait_for(lambda: cache_on.listening)  # back: the generation moved on, everything kept before is dropped
    assert generation() > before
    assert names(client.get("/api/v1/schools/", **auth(raw)))[world_committed.school_a1.pk] == (
        "МБОУ «Пока не слушали»"
    )


def test_keys_of_one_region_share_its_pages(client, cache_on, world_committed, django_assert_num_queries):
    _first, first_raw = make_key(world_committed)
    _second, second_raw = make_key(world_committed, name="ИС мониторинга")
    asked = client.get("/api/v1/schools/", **auth(first_raw))
    # The key (with the lockout check), the call log: the page is the first key's.
    with django_assert_num_queries(2):
        shared = client.get("/api/v1/schools/", **auth(second_raw))
    assert shared.content == asked.content


def test_an_answer_since_a_moment_is_not_kept(client, cache_on, world_committed, django_assert_num_queries):
    _key, raw = make_key(world_committed)
    address = "/api/v1/schools/?updated_since=2020-01-01T00:00:00Z"
    client.get(address, **auth(raw))
    # Built again: the key (with the lockout check), the page, its statuses, the region's municipalities and
    # their tombstones, the call log.
    with django_assert_num_queries(6):
        again = client.get(address, **auth(raw))
    assert again.json()["deleted"] == []
    assert kept_pages() == 0


def test_pages_are_kept_per_reach(client, cache_on, world_committed):
    _region_key, region_raw = make_key(world_committed)
    _mun_key, mun_raw = make_key(world_committed, municipalities=[world_committed.mun_b], name="РИС района")
    region_rows = names(client.get("/api/v1/schools/", **auth(region_raw)))
    mun_rows = names(client.get("/api/v1/schools/", **auth(mun_raw)))
    assert set(region_rows) == {
        world_committed.school_a1.pk,
        world_committed.school_a2.pk,
        world_committed.school_b1.pk,
    }
    assert set(mun_rows) == {world_committed.school_b1.pk}


def test_pages_are_kept_per_host(client, cache_on, world_committed):
    """The links to the next page carry the host the page was asked by."""
    _key, raw = make_key(world_committed)
    inside = client.get("/api/v1/schools/?page_size=1", HTTP_HOST="portal.local", **auth(raw)).json()
    outside = client.get("/api/v1/schools/?page_size=1", HTTP_HOST="shnor.example.ru", **auth(raw)).json()
    assert inside["next"].startswith("http://portal.local/")
    assert outside["next"].startswith("http://shnor.example.ru/")


def test_the_browsable_api_and_sessions_are_not_kept(client, cache_on, world_committed):
    _key, raw = make_key(world_committed)
    html = client.get("/api/v1/schools/", HTTP_ACCEPT="text/html", **auth(raw))
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    client.force_login(world_committed.users["methodist"])
    assert kept_pages() == 0
    assert client.get("/api/v1/schools/").status_code == 200
    assert kept_pages() == 0


def test_every_table_a_cached_list_reads_is_watched(cache_on):
    """Every model a cached list prints or filters by (its serializer's columns, the access gate's path to the
    region, the tombstones, the keys) carries the trigger."""
    watched = {apps.get_model(label)._meta.db_table for label in page_cache.WATCHED_MODELS}
    read = {
        "api_tombstone",
        "api_clientkey",
        "api_clientkey_municipalities",
        "schools_region",
        "schools_municipality",
        "schools_school",
        "schools_flagdecision",  # the schools' statuses by year (api.views.statuses_by_school)
    }
    for cls in rows_viewsets().values():
        model = cls.model
        read.add(model._meta.db_table)
        for path in cls.rows.paths:
            current = model
            for part in path.split("__")[:-1]:
                current = current._meta.get_field(part).related_model
                read.add(current._meta.db_table)
    read.add("schools_flagcomputation")  # the statuses' updated_since reads the computation's time
    assert read <= watched, read - watched
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'api_notify_change'")
        triggered = {row[0] for row in cursor.fetchall()}
    assert watched <= triggered


def test_a_page_kept_by_another_process_is_served_under_the_current_generation_only(
    client, cache_on, world_committed
):
    """The store is Redis: what one web process kept, another serves — while its generation is the current one."""
    key, raw = make_key(world_committed)
    address = "/api/v1/schools/?page_size=1"
    built = client.get(address, **auth(raw))
    page_key = page_cache.store.key(f"page:{ApiPrincipal(key).reach}:http://testserver{address}")
    current = str(generation()).encode()
    elsewhere = page_cache._pack(current, b'{"results": []}', "application/json", '"elsewhere"', 0)
    assert page_cache.store.store(page_key, current, elsewhere)
    served = client.get(address, **auth(raw))
    assert (served.content, served["ETag"]) == (b'{"results": []}', '"elsewhere"')

    older = page_cache._pack(str(generation() - 1).encode(), b'{"results": []}', "application/json", '"e"', 0)
    page_cache.store.client().set(page_key, older)
    assert client.get(address, **auth(raw)).content == built.content


def test_a_page_is_not_stored_once_the_generation_has_moved(cache_on):
    page_key = page_cache.store.key("page:test")
    built_under = str(generation()).encode()
    page_cache.store.move_generation()  # a notice arrived while the page was being built
    assert not page_cache.store.store(
        page_key, built_under, page_cache._pack(built_under, b"{}", "a/b", '"e"', 1)
    )
    assert page_cache.store.client().get(page_key) is None


def test_an_emptied_redis_starts_the_generation_again_from_the_clock(client, cache_on, world_committed):
    _key, raw = make_key(world_committed)
    first = client.get("/api/v1/schools/", **auth(raw))
    page_cache.store.clear()  # Redis restarted: it keeps nothing on disk
    assert client.get("/api/v1/schools/", **auth(raw)).content == first.content  # built; not kept this once
    assert kept_pages() == 0
    assert generation() > time.time_ns() - 60 * 10**9  # from the clock: no old page can carry it
    client.get("/api/v1/schools/", **auth(raw))
    assert kept_pages() == 1


def test_a_failing_redis_costs_only_the_cache(client, cache_on, world_committed, settings):
    _key, raw = make_key(world_committed)
    first = client.get("/api/v1/schools/", **auth(raw))
    working = settings.API_PAGE_CACHE_URL
    settings.API_PAGE_CACHE_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    again = client.get("/api/v1/schools/", **auth(raw))
    assert again.status_code == 200 and again.content == first.content
    settings.API_PAGE_CACHE_URL = working  # for the fixture's cleaning
    # The cache rests a moment instead of waiting for Redis on every call; then it is used again.
    assert not page_cache.store.available()
    page_cache.store.clear()
    client.get("/api/v1/schools/", **auth(raw))
    assert kept_pages() == 0
    page_cache.store.down_until = 0.0
    client.get("/api/v1/schools/", **auth(raw))  # the generation starts again (emptied): not kept this once
    client.get("/api/v1/schools/", **auth(raw))
    assert kept_pages() == 1


def test_a_redis_gone_back_in_time_serves_none_of_its_old_pages(client, cache_on, world_committed):
    """Restored from its snapshot (or a lagging replica): its generation is below what the processes have seen,
    and its pages may predate notices already handled."""
    _key, raw = make_key(world_committed)
    first = client.get("/api/v1/schools/", **auth(raw))
    assert client.get("/api/v1/schools/", **auth(raw)).content == first.content
    seen = generation()
    old = page_cache._pack(str(seen - 3).encode(), b'{"results": []}', "application/json", '"old"', 0)
    page_key = next(page_cache.store.client().scan_iter(match=page_cache.store.key("page:*")))
    page_cache.store.client().set(page_key, old)
    page_cache.store.client().set(page_cache.store.generation_key, seen - 3)  # the snapshot's state
    assert client.get("/api/v1/schools/", **auth(raw)).content == first.content  # built, not the old page
    assert generation() > seen


def test_the_keys_carry_the_code_that_shaped_the_pages(cache_on):
    """During a deployment the old release's processes and the new one's do not serve each other's pages."""
    fingerprint = page_cache.store.fingerprint()
    assert len(fingerprint) == 12 and fingerprint in page_cache.store.key("page:x")
    assert "api.rows" in page_cache.OUTPUT_MODULES and "api.serializers" in page_cache.OUTPUT_MODULES


def test_the_kept_pages_are_bounded_by_size(cache_on, settings):
    settings.API_PAGE_CACHE_MB = 1000 / 1024 / 1024  # 1,000 bytes
    current = str(generation()).encode()
    for n in range(10):
        value = page_cache._pack(current, b"x" * 200, "application/json", '"e"', 1)
        assert page_cache.store.store(page_cache.store.key(f"page:{n}"), current, value)
        assert int(page_cache.store.client().get(page_cache.store.key("bytes"))) <= 1000
    client = page_cache.store.client()
    assert client.get(page_cache.store.key("page:0")) is None  # the oldest went first
    assert client.get(page_cache.store.key("page:9")) is not None
    assert 0 < client.ttl(page_cache.store.key("page:9")) <= page_cache.TTL_SECONDS


def test_a_huge_page_is_not_kept(client, cache_on, world_committed, settings):
    settings.API_PAGE_CACHE_MB = 400 / 1024 / 1024  # a page of three schools is over a quarter of it
    _key, raw = make_key(world_committed)
    client.get("/api/v1/schools/", **auth(raw))
    client.get("/api/v1/schools/", **auth(raw))
    assert kept_pages() == 0
