"""API v1 core: keys and sessions, the call log, cursor pages, sync by updated_since with tombstones, ETag, limits,
the results intake, and the OpenAPI schema described in Russian."""

import datetime
import json
import logging
import re
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, models
from django.utils import timezone

from api.auth import ip_allowed
from api.models import ApiCallLog, ClientKey, Tombstone
from schools.models import Result, School
from tests.api.throttle import fresh_throttle_counters  # noqa: F401 — autouse: throttle counters at zero
from tests.builders.schools import add
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def russian(text) -> bool:
    return bool(text) and bool(CYRILLIC.search(str(text)))


def make_key(world, *, municipalities=(), name="РИС РЦОИ", **fields):
    obj, raw = ClientKey.objects.create_key(name=name, region=world.region, **fields)
    if municipalities:
        obj.municipalities.set(municipalities)
    return obj, raw


def auth(raw: str, **extra) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}", **extra}


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


def assert_error(response, status: int, code: str) -> dict:
    """The one error format: {"code", "message" in Russian, "details"}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert russian(body["message"]), body
    return body


@pytest.fixture
def key_a(world):
    return make_key(world, municipalities=[world.mun_a])


# --- authentication ---------------------------------------------------------------------------------------


def test_no_header_is_401_in_the_one_error_format(client, world):
    response = client.get("/api/v1/schools/")
    body = assert_error(response, 401, "not_authenticated")
    assert "Api-Key" in body["message"]
    assert body["details"] is None
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize(
    "header", ["Api-Key ", "Api-Key nonsense", "Api-Key abc.def", "Api-Key {prefix}.wrong"]
)
def test_wrong_key_is_401(client, world, key_a, header):
    obj, _raw = key_a
    response = client.get("/api/v1/schools/", HTTP_AUTHORIZATION=header.format(prefix=obj.prefix))
    body = assert_error(response, 401, "authentication_failed")
    assert body["message"] == "Ключ API не найден."


def test_another_scheme_is_not_a_key(client, world, key_a):
    _obj, raw = key_a
    assert_error(client.get("/api/v1/schools/", HTTP_AUTHORIZATION=f"Bearer {raw}"), 401, "not_authenticated")


def test_revoked_key_is_401(client, world, key_a):
    obj, raw = key_a
    assert client.get("/api/v1/schools/", **auth(raw)).status_code == 200
    obj.revoked = True
    obj.save()
    body = assert_error(client.get("/api/v1/schools/", **auth(raw)), 401, "authentication_failed")
    assert body["message"] == "Ключ API отозван."


def test_expired_key_is_401(client, world):
    _obj, raw = make_key(world, expiry_date=timezone.now() - datetime.timedelta(minutes=1))
    body = assert_error(client.get("/api/v1/schools/", **auth(raw)), 401, "authentication_failed")
    assert body["message"] == "Срок действия ключа API истёк."
    _obj, raw = make_key(world, expiry_date=timezone.now() + datetime.timedelta(days=1))
    assert client.get("/api/v1/schools/", **auth(raw)).status_code == 200


def test_wrong_secrets_of_a_key_from_one_address_lock_that_key_out_from_there(client, world, key_a, settings):
    """The fourth wrong secret of a key (API_KEY_FAILURE_LIMIT in tests) locks that key from that address: 429 in
    the API's format with Retry-After, even for the right secret, while the same key from another address,
    another key from this address and the sign-in page are not affected."""
    from axes.models import AccessAttempt

    assert settings.API_KEY_FAILURE_LIMIT == 4
    obj, raw = key_a
    _other, other_raw = make_key(world, name="РИС школ")
    responses = [
        client.get("/api/v1/schools/", HTTP_AUTHORIZATION=f"Api-Key {obj.prefix}.wrong{n}") for n in range(4)
    ]

    assert [r.status_code for r in responses[:3]] == [401, 401, 401]
    body = assert_error(responses[3], 429, "locked_out")
    assert body["message"] == "Слишком много неверных ключей API с этого адреса: повторите через 30 мин."
    assert responses[3]["Retry-After"] == "1800"
    right = client.get("/api/v1/schools/", **auth(raw))
    assert_error(right, 429, "locked_out")
    assert right["Retry-After"] == "1800"
    assert body == right.json()
    # Another key from this address, this key from another address, anyone's sign-in: not held back.
    assert client.get("/api/v1/schools/", **auth(other_raw)).status_code == 200
    assert client.get("/api/v1/schools/", REMOTE_ADDR="198.51.100.7", **auth(raw)).status_code == 200
    assert client.post("/login/", {"username": "methodist", "password": "x" * 12}).status_code == 200
    assert AccessAttempt.objects.get(username=f"ключ API {obj.prefix}").failures_since_start == 4


def test_made_up_keys_from_one_address_are_counted_together(client, world, key_a):
    """Prefixes that name no key share one count per address, so guessing keys is locked out; a real key from
    the same address is not. The journal names the prefixes sent and the address, never a secret."""
    from axes.models import AccessAttempt

    from core.models import AuthEvent

    obj, raw = key_a
    wrong = ["Api-Key nonsense", "Api-Key abc.def", "Api-Key xyz.uvw", "Api-Key qqq.rrr"]
    statuses = [client.get("/api/v1/schools/", HTTP_AUTHORIZATION=header).status_code for header in wrong]
    assert statuses == [401, 401, 401, 429]
    assert_error(client.get("/api/v1/schools/", HTTP_AUTHORIZATION="Api-Key zzz.zzz"), 429, "locked_out")
    assert client.get("/api/v1/schools/", **auth(raw)).status_code == 200
    assert AccessAttempt.objects.get(username="ключ API").failures_since_start == 4
    events = AuthEvent.objects.filter(kind=AuthEvent.Kind.FAILED, username__startswith="ключ API")
    assert sorted(e.username for e in events) == [
        "ключ API abc",
        "ключ API nonsense",
        "ключ API qqq",
        "ключ API xyz",
    ]
    assert {e.ip for e in events} == {"127.0.0.1"}


def test_a_revoked_key_counts_towards_the_lockout_and_a_good_one_does_not(client, world, key_a):
    obj, raw = key_a
    for _ in range(10):
        assert client.get("/api/v1/municipalities/", **auth(raw)).status_code == 200
    obj.revoked = True
    obj.save()
    statuses = [client.get("/api/v1/municipalities/", **auth(raw)).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


@pytest.mark.parametrize(
    ("allowed", "address", "ok"),
    [
        ("", "203.0.113.9", True),
        ("203.0.113.9", "203.0.113.9", True),
        ("203.0.113.9", "203.0.113.10", False),
        ("10.0.0.0/24\n192.0.2.1", "10.0.0.77", True),
        ("10.0.0.0/24\n192.0.2.1", "192.0.2.1", True),
        ("10.0.0.0/24\n192.0.2.1", "10.0.1.1", False),
        ("  10.0.0.0/8  \n\n", "10.200.3.4", True),
        ("2001:db8::/32", "2001:db8::1", True),
        ("2001:db8::/32", "2001:db9::1", False),
        ("не адрес\n10.0.0.1", "10.0.0.1", True),
        ("10.0.0.1", "", False),
    ],
)
def test_ip_allowed(allowed, address, ok):
    assert ip_allowed(allowed, address) is ok


@pytest.mark.parametrize(
    ("address", "status"), [("10.0.0.77", 200), ("192.0.2.1", 200), ("10.0.1.1", 403), ("127.0.0.1", 403)]
)
def test_ip_limits_of_a_key(client, world, address, status):
    _obj, raw = make_key(world, allowed_ips="10.0.0.0/24\n192.0.2.1")
    response = client.get("/api/v1/schools/", **auth(raw, REMOTE_ADDR=address))
    if status == 200:
        assert response.status_code == 200
    else:
        body = assert_error(response, 403, "permission_denied")
        assert body["message"] == "С этого IP-адреса ключ использовать нельзя."


def test_key_reaches_its_municipalities_or_its_region(client, world, key_a):
    _obj, raw_a = key_a
    assert codes(client.get("/api/v1/schools/", **auth(raw_a))) == ["sch610001", "sch610002"]
    _obj, raw_region = make_key(world)
    assert codes(client.get("/api/v1/schools/", **auth(raw_region))) == [
        "sch610001",
        "sch610002",
        "sch610101",
    ]
    # another region's school is not even found by id
    other = f"/api/v1/schools/{world.school_other.pk}/"
    assert_error(client.get(other, **auth(raw_region)), 404, "not_found")


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("methodist", ["sch610001", "sch610002"]),
        ("school_admin", ["sch610001"]),
        ("regional_methodist", ["sch610001", "sch610002", "sch610101"]),
        ("superuser", ["sch610001", "sch610002", "sch610101", "sch230001"]),
        ("nobody", []),
    ],
)
def test_browser_session_reaches_the_api_with_its_own_scope(client, world, user, expected):
    client.force_login(world.users[user])
    response = client.get("/api/v1/schools/")
    assert response.status_code == 200
    assert codes(response) == expected


def test_session_user_is_logged_as_the_user(client, world):
    client.force_login(world.users["methodist"])
    client.get("/api/v1/schools/")
    call = ApiCallLog.objects.get()
    assert (call.user, call.key, call.status, call.rows) == (world.users["methodist"], None, 200, 2)


# --- the call log -------------------------------------------------------------------------------------------


def test_every_call_is_logged_with_status_and_rows(client, world, key_a):
    obj, raw = key_a
    client.get("/api/v1/schools/", **auth(raw))
    client.get(f"/api/v1/schools/{world.school_a1.pk}/", **auth(raw))
    client.get(f"/api/v1/schools/{world.school_b1.pk}/", **auth(raw))
    client.get("/api/v1/schools/?updated_since=вчера", **auth(raw))
    client.get("/api/v1/results/", HTTP_AUTHORIZATION=f"Api-Key {obj.prefix}.wrong")
    calls = list(ApiCallLog.objects.order_by("pk").values_list("key", "method", "endpoint", "status", "rows"))
    assert calls == [
        (obj.pk, "GET", "/api/v1/schools/", 200, 2),
        (obj.pk, "GET", f"/api/v1/schools/{world.school_a1.pk}/", 200, None),
        (obj.pk, "GET", f"/api/v1/schools/{world.school_b1.pk}/", 404, None),
        (obj.pk, "GET", "/api/v1/schools/", 400, None),
        (None, "GET", "/api/v1/results/", 401, None),
    ]
    assert all(call.duration_ms >= 0 and call.at for call in ApiCallLog.objects.all())


def text_columns():
    """(table, column) of every text-like column of every model: where a key could have been written."""
    kinds = (
        models.CharField,
        models.TextField,
        models.JSONField,
        models.FileField,
        models.GenericIPAddressField,
    )
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, kinds):
                yield model._meta.db_table, field.column


def test_the_raw_key_is_stored_nowhere(client, world, key_a, caplog):
    obj, raw = key_a
    secret = raw.partition(".")[2]
    assert len(secret) >= 20
    caplog.set_level(logging.DEBUG)
    client.get("/api/v1/schools/", **auth(raw))
    client.get("/api/v1/nothing-here/", **auth(raw))
    client.post("/api/v1/results/intake/", {"rows": []}, content_type="application/json", **auth(raw))
    client.get("/api/v1/schools/", HTTP_AUTHORIZATION=f"Api-Key {obj.prefix}.{secret[::-1]}")
    assert ApiCallLog.objects.count() >= 3
    for call in ApiCallLog.objects.values():
        assert not any(secret in str(value) for value in call.values()), call
    columns = list(text_columns())
    assert ("api_apicalllog", "endpoint") in columns
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in columns:
            cursor.execute(
                f"SELECT 1 FROM {quote(table)} WHERE CAST({quote(column)} AS TEXT) LIKE %s",  # noqa: S608
                [f"%{secret}%"],
            )
            assert cursor.fetchone() is None, f"{table}.{column} holds the key"
    assert secret not in caplog.text


def test_an_unknown_address_is_a_404_in_the_one_format(client, world, key_a):
    obj, raw = key_a
    for url in ("/api/v1/nothing-here/", "/api/v1/teachers/не-псевдоним/", "/api/v1/schools/1/extra/"):
        assert_error(client.get(url, **auth(raw)), 404, "not_found")
    assert_error(client.post("/api/v1/nothing-here/", {}), 404, "not_found")
    assert ApiCallLog.objects.filter(endpoint="/api/v1/nothing-here/", key=obj, status=404).exists()
    # without the trailing slash an address is still redirected to the one with it
    response = client.get("/api/v1/schools", **auth(raw))
    assert (response.status_code, response["Location"]) == (301, "/api/v1/schools/")


def test_a_schools_statuses_by_year_are_the_same_in_the_list_and_the_card(client, world, key_a):
    """The list attaches the page's statuses in one query; the card reads its school's own: one answer."""
    from schools.flags import flags_recompute

    for year in (2024, 2025):
        add(world.school_a1, "ВПР", "математика", 5, year, 12, 30)
        add(world.school_a1, "ВПР", "русский язык", 5, year, 10, 30)
    for list_year in (2025, 2026):
        flags_recompute(list_year=list_year)
    _obj, raw = key_a

    listed = {row["code"]: row for row in client.get("/api/v1/schools/", **auth(raw)).json()["results"]}
    card = client.get(f"/api/v1/schools/{world.school_a1.pk}/", **auth(raw)).json()

    statuses = listed[world.school_a1.code]["statuses"]
    assert [s["list_year"] for s in statuses] == [2026, 2025]
    assert statuses[0]["status"] == "shnor"
    assert statuses[0]["criteria"]
    assert set(statuses[0]) == {"list_year", "status", "criteria"}
    assert card["statuses"] == statuses
    assert all(row["statuses"] for row in listed.values())  # every school of the key's scope was decided


# --- cursor pages -------------------------------------------------------------------------------------------


def test_failed_share_has_one_decimal_in_the_list_and_the_card(client, world, key_a):
    """14.285714285714286 was printed (issue #17, item 15): one decimal, as the rule's reasons print shares."""
    _obj, raw = key_a
    seventh = add(world.school_a1, "ОГЭ", "математика", 9, 2025, 1, 7)
    two_thirds = add(world.school_a2, "ОГЭ", "математика", 9, 2025, 2, 3)
    none = add(world.school_a2, "ВПР", "математика", 5, 2025, 0, 0)
    rows = client.get("/api/v1/results/", **auth(raw)).json()["results"]
    assert {row["id"]: row["failed_share"] for row in rows} == {
        seventh.pk: 14.3,
        two_thirds.pk: 66.7,
        none.pk: None,
    }
    assert client.get(f"/api/v1/results/{seventh.pk}/", **auth(raw)).json()["failed_share"] == 14.3


def walk(client, url: str, headers: dict, on_page=None) -> list[dict]:
    rows, pages = [], 0
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        pages += 1
        if on_page:
            on_page(pages)
        url = body["next"]
    return rows


def test_cursor_pages_keep_a_stable_order_without_overlap(client, world, key_a):
    _obj, raw = key_a
    for n in range(7):
        SchoolFactory(municipality=world.mun_a, code=f"sch61050{n}")
    SchoolFactory(municipality=world.mun_b, code="sch610599")
    added = []

    def add_while_walking(page: int) -> None:
        if page == 2:  # a school added mid-walk neither shifts the pages nor repeats a row
            added.append(SchoolFactory(municipality=world.mun_a, code="sch610600").pk)

    rows = walk(client, "/api/v1/schools/?page_size=3", auth(raw), add_while_walking)
    ids = [row["id"] for row in rows]
    assert ids == sorted(set(ids))
    expected = set(School.objects.filter(municipality=world.mun_a).values_list("pk", flat=True))
    assert set(ids) == expected
    assert ids[-1] == added[0]
    assert len(ids) == 10


def test_page_size_is_capped_and_the_cursor_is_opaque(client, world, key_a):
    _obj, raw = key_a
    response = client.get("/api/v1/schools/?page_size=1", **auth(raw))
    body = response.json()
    assert len(body["results"]) == 1
    assert body["previous"] is None
    assert "cursor=" in body["next"]
    body = assert_error(client.get("/api/v1/schools/?cursor=испорчен", **auth(raw)), 404, "not_found")
    assert "курсор" in body["message"]


# --- sync: updated_since and tombstones ----------------------------------------------------------------------


def test_updated_since_returns_only_changed_rows(client, world, key_a):
    _obj, raw = key_a
    School.objects.update(updated_at=timezone.now() - datetime.timedelta(days=2))
    since = timezone.now() - datetime.timedelta(days=1)
    world.school_a2.name = "МБОУ «Солонецкая СОШ» (переименована)"
    world.school_a2.save()
    world.school_b1.save()  # changed too, but outside the key's municipalities
    response = client.get("/api/v1/schools/", {"updated_since": since.isoformat()}, **auth(raw))
    assert response.status_code == 200
    body = response.json()
    assert codes(response) == ["sch610002"]
    assert body["deleted"] == []
    # without updated_since there is no "deleted"; everything in reach comes back
    assert "deleted" not in client.get("/api/v1/schools/", **auth(raw)).json()


@pytest.mark.parametrize(
    "value",
    [
        "2000-01-01T00:00:00+03:00",
        "2000-01-01T00:00:00 03:00",  # an unencoded «+» arrives as a space
        "2000-01-01T00:00:00Z",
        "2000-01-01T00:00:00",  # naive: the portal's time zone
        "2000-01-01",
        "0005-07-08T17:02:14.5-08:39",
        "5018-12-27T13:38:31.3311+19:30",  # an offset PostgreSQL refuses: converted to UTC first
    ],
)
def test_updated_since_accepts_iso_moments(client, world, key_a, value):
    _obj, raw = key_a
    response = client.get(f"/api/v1/schools/?updated_since={value}", **auth(raw))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "value", ["вчера", "", "2026-02-30T00:00:00", "2026-13-01T00:00:00", "0001-01-01T00:00:00+05:00"]
)
def test_bad_updated_since_is_400_in_russian(client, world, key_a, value):
    _obj, raw = key_a
    response = client.get("/api/v1/results/", {"updated_since": value}, **auth(raw))
    body = assert_error(response, 400, "invalid")
    assert body["message"] == "Данные не приняты."
    assert russian(body["details"]["updated_since"][0])


def test_deleted_rows_come_back_as_tombstones_within_the_key_scope(client, world, key_a):
    _obj, raw_a = key_a
    _obj, raw_region = make_key(world, name="Региональная ИС")
    gone_a = SchoolFactory(municipality=world.mun_a, code="sch610700")
    gone_b = SchoolFactory(municipality=world.mun_b, code="sch610701")
    result_a = add(world.school_a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    result_b = add(world.school_b1, "ОГЭ", "математика", 9, 2021, 5, 50)
    since = timezone.now() - datetime.timedelta(seconds=1)
    ids = {"a": gone_a.pk, "b": gone_b.pk, "ra": result_a.pk, "rb": result_b.pk}
    for obj in (gone_a, gone_b, result_a, result_b):
        obj.delete()
    assert Tombstone.objects.count() == 4

    def deleted(url, raw, moment=since):
        response = client.get(url, {"updated_since": moment.isoformat()}, **auth(raw))
        assert response.status_code == 200
        return sorted(response.json()["deleted"])

    assert deleted("/api/v1/schools/", raw_a) == [ids["a"]]
    assert deleted("/api/v1/results/", raw_a) == [ids["ra"]]
    assert deleted("/api/v1/schools/", raw_region) == sorted([ids["a"], ids["b"]])
    assert deleted("/api/v1/results/", raw_region) == sorted([ids["ra"], ids["rb"]])
    assert deleted("/api/v1/schools/", raw_region, timezone.now() + datetime.timedelta(seconds=1)) == []
    client.force_login(world.users["methodist"])  # a person's session: the same scope rules
    response = client.get("/api/v1/schools/", {"updated_since": since.isoformat()})
    assert response.json()["deleted"] == [ids["a"]]


def test_tombstones_come_only_with_the_first_page(client, world, key_a):
    _obj, raw = key_a
    gone = SchoolFactory(municipality=world.mun_a, code="sch610702")
    gone_id = gone.pk
    gone.delete()
    first = client.get("/api/v1/schools/?page_size=1&updated_since=2000-01-01T00:00:00Z", **auth(raw)).json()
    assert first["deleted"] == [gone_id]
    second = client.get(first["next"], **auth(raw)).json()
    assert "deleted" not in second


# --- ETag -----------------------------------------------------------------------------------------------------


def test_etag_and_if_none_match_give_304(client, world, key_a):
    _obj, raw = key_a
    first = client.get("/api/v1/schools/", **auth(raw))
    etag = first["ETag"]
    assert etag
    again = client.get("/api/v1/schools/", **auth(raw, HTTP_IF_NONE_MATCH=etag))
    assert again.status_code == 304
    assert again.content == b""
    world.school_a1.name = "МБОУ «Каштановская СОШ имени героя»"
    world.school_a1.save()
    changed = client.get("/api/v1/schools/", **auth(raw, HTTP_IF_NONE_MATCH=etag))
    assert changed.status_code == 200
    assert changed["ETag"] != etag


# --- limits -----------------------------------------------------------------------------------------------------


def test_a_key_over_its_rate_gets_429_with_retry_after(client, world, monkeypatch):
    from api.throttling import ClientRateThrottle

    # 20 s into a minute: the four calls fall in one window of the counter, which has 40 s left.
    monkeypatch.setattr(ClientRateThrottle, "timer", staticmethod(lambda: 60 * 29_000_000 + 20.0))
    _obj, raw = make_key(world, rate="3/min")
    for _ in range(3):
        assert client.get("/api/v1/municipalities/", **auth(raw)).status_code == 200
    response = client.get("/api/v1/municipalities/", **auth(raw))
    body = assert_error(response, 429, "throttled")
    assert response["Retry-After"] == "40"
    assert body["message"] == f"Слишком много запросов: повторите через {int(response['Retry-After']) + 1} с."
    assert ApiCallLog.objects.filter(status=429).count() == 1
    # the limit is per client: another key is not held back
    _obj, other = make_key(world, name="Другая система", rate="3/min")
    assert client.get("/api/v1/municipalities/", **auth(other)).status_code == 200


# --- the results intake ------------------------------------------------------------------------------------


def row(school_code="sch610001", **overrides) -> dict:
    values = {
        "school_code": school_code,
        "year": 2021,
        "kind": "ОГЭ",
        "subject": "Математика",
        "grade": 9,
        "participants": 50,
        "failed": 27,
        "marks_3": 15,
        "marks_4": 6,
        "marks_5": 2,
        "mean_score": "2.9",
    }
    values.update(overrides)
    return values


def intake(client, raw, rows, dry_run=False):
    return client.post(
        "/api/v1/results/intake/",
        json.dumps({"dry_run": dry_run, "rows": rows}),
        content_type="application/json",
        **auth(raw),
    )


@pytest.fixture
def writer_a(world):
    return make_key(world, municipalities=[world.mun_a], results_write=True, name="РИС ГИА")


def test_intake_needs_results_write(client, world, key_a):
    _obj, raw = key_a
    body = assert_error(intake(client, raw, [row()]), 403, "permission_denied")
    assert "results:write" in body["message"]
    client.force_login(world.users["methodist"])  # a person uploads files in the portal, not here
    response = client.post("/api/v1/results/intake/", {"rows": [row()]}, content_type="application/json")
    assert response.status_code == 403
    assert not Result.objects.exists()


def test_dry_run_validates_and_writes_nothing(client, world, writer_a, django_capture_on_commit_callbacks):
    _obj, raw = writer_a
    with django_capture_on_commit_callbacks() as callbacks:
        response = intake(client, raw, [row(), row("sch610002", failed=3)], dry_run=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True
    assert body["rows"] == 2
    assert body["stats"]["created"] == 2
    assert body["stats"]["updated"] == 0
    assert not Result.objects.exists()
    assert callbacks == []


def test_a_bad_row_refuses_the_whole_batch_with_row_level_details(client, world, writer_a):
    _obj, raw = writer_a
    response = intake(client, raw, [row(), row("sch610002", failed=60), row(kind="ГИА-12")])
    body = assert_error(response, 400, "invalid")
    assert "ничего не записано" in body["message"]
    details = body["details"]
    assert {(d["row"], d["column"]) for d in details} >= {(2, "failed"), (3, "kind")}
    assert all(set(d) == {"row", "column", "message"} and russian(d["message"]) for d in details)
    assert not Result.objects.exists()


def test_a_malformed_batch_is_400_in_the_one_format(client, world, writer_a):
    _obj, raw = writer_a
    body = assert_error(intake(client, raw, []), 400, "invalid")
    assert "rows" in body["details"]
    # the fields of a row are checked first, and reported as the validator reports its rows
    body = assert_error(
        intake(client, raw, [row(), {"school_code": "sch610001", "year": "2021"}]), 400, "invalid"
    )
    assert body["message"] == "Пакет не принят: ошибок 5, ничего не записано."
    assert [(d["row"], d["column"]) for d in body["details"]] == [
        (2, "kind"),
        (2, "subject"),
        (2, "grade"),
        (2, "participants"),
        (2, "failed"),
    ]
    assert body["details"][0]["message"] == "Обязательное поле."
    body = assert_error(intake(client, raw, ["строка"]), 400, "invalid")
    assert [(d["row"], d["column"]) for d in body["details"]] == [(1, "")]
    response = client.post("/api/v1/results/intake/", "не JSON", content_type="application/json", **auth(raw))
    assert_error(response, 400, "parse_error")
    assert not Result.objects.exists()


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_row_that_is_not_an_object_is_an_error_of_that_row(client, world, writer_a, dry_run):
    """{"rows": [null]} was a 500 (issue #17, item 5): each such row is reported at its place."""
    _obj, raw = writer_a
    body = assert_error(intake(client, raw, [None], dry_run=dry_run), 400, "invalid")
    assert body["message"] == "Пакет не принят: ошибок 1, ничего не записано."
    assert body["details"] == [
        {"row": 1, "column": "", "message": "Строка пуста (null): ожидается объект с полями шаблона."}
    ]
    body = assert_error(
        intake(client, raw, [row(), None, 7, row(kind=None)], dry_run=dry_run), 400, "invalid"
    )
    assert body["details"] == [
        {"row": 2, "column": "", "message": "Строка пуста (null): ожидается объект с полями шаблона."},
        {"row": 3, "column": "", "message": "Строка — не объект с полями шаблона (получено: int)."},
        {"row": 4, "column": "kind", "message": "Это поле не может быть пустым."},
    ]
    assert not Result.objects.exists()


def test_a_good_batch_is_written_and_flags_recomputed_after_commit(
    client, world, writer_a, django_capture_on_commit_callbacks
):
    _obj, raw = writer_a
    with django_capture_on_commit_callbacks() as callbacks:
        response = intake(client, raw, [row(), row("sch610002", failed=3, mean_score=None)])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is False
    assert body["rows"] == 2
    assert (body["stats"]["created"], body["stats"]["updated"], body["stats"]["unchanged"]) == (2, 0, 0)
    written = {
        r.school.code: (r.participants, r.failed, r.marks_3, r.mean_score)
        for r in Result.objects.select_related("school")
    }
    assert written == {"sch610001": (50, 27, 15, Decimal("2.90")), "sch610002": (50, 3, 15, None)}
    assert len(callbacks) == 1
    with mock.patch("schools.tasks.recompute_flags_task.delay") as delay:
        callbacks[0]()
    delay.assert_called_once_with(years=[2022, 2023, 2024], region_id=world.region.pk)
    # the same batch again changes nothing and queues nothing
    with django_capture_on_commit_callbacks() as callbacks:
        again = intake(client, raw, [row(), row("sch610002", failed=3, mean_score=None)]).json()
    assert (again["stats"]["created"], again["stats"]["unchanged"]) == (0, 2)
    assert callbacks == []


def test_intake_refuses_schools_outside_the_key(client, world, writer_a):
    _obj, raw = writer_a
    body = assert_error(intake(client, raw, [row(), row("sch610101")]), 400, "invalid")
    assert [(d["row"], d["column"]) for d in body["details"]] == [(2, "school_code")]
    assert "Нет прав на загрузку результатов школы «sch610101»" in body["details"][0]["message"]
    body = assert_error(intake(client, raw, [row("sch230001")]), 400, "invalid")
    assert "не найдена" in body["details"][0]["message"]
    assert not Result.objects.exists()


# --- the schema --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["session", "key"])
def test_schema_and_docs_answer_an_authenticated_user(client, world, key_a, who):
    headers = {}
    if who == "session":
        client.force_login(world.users["methodist"])
    else:
        headers = auth(key_a[1])
    schema = client.get("/api/v1/schema/", **headers)
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    docs = client.get("/api/v1/docs/", **headers)
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_every_operation_parameter_and_property_is_described_in_russian(client, world):
    client.force_login(world.users["methodist"])
    schema = client.get("/api/v1/schema/?format=json").json()
    problems = []
    operations = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operations += 1
            where = f"{method.upper()} {path}"
            if not russian(operation.get("description")):
                problems.append(f"{where}: description {operation.get('description')!r}")
            if "summary" in operation and not russian(operation["summary"]):
                problems.append(f"{where}: summary {operation['summary']!r}")
            for parameter in operation.get("parameters", []):
                if not russian(parameter.get("description")):
                    problems.append(
                        f"{where}: parameter {parameter['name']} {parameter.get('description')!r}"
                    )
            for code, response in operation["responses"].items():
                if code >= "400" and not russian(response.get("description")):
                    problems.append(f"{where}: response {code} {response.get('description')!r}")
    components = schema["components"]["schemas"]
    for name, component in components.items():
        if "description" in component and not russian(component["description"]):
            problems.append(f"component {name}: {component['description']!r}")
        for prop, definition in component.get("properties", {}).items():
            if not russian(definition.get("description")):
                problems.append(f"component {name}.{prop}: {definition.get('description')!r}")
    for name, scheme in schema["components"].get("securitySchemes", {}).items():
        if name == "ApiKey" and not russian(scheme.get("description")):
            problems.append(f"security scheme {name}")
    assert operations >= 10
    assert {"Error", "School", "Result", "IntakeRequest"} <= set(components)
    assert "/api/v1/schema/" not in schema["paths"]
    assert not problems, "\n".join(problems)


def test_every_operation_documents_the_error_format(client, world):
    client.force_login(world.users["methodist"])
    schema = client.get("/api/v1/schema/?format=json").json()
    error = {"$ref": "#/components/schemas/Error"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for code in ("400", "401", "403", "404", "429", "500", "503"):
                assert responses[code]["content"]["application/json"]["schema"] == error, (method, path, code)
            assert "Retry-After" in responses["429"]["headers"]
            assert "Retry-After" in responses["503"]["headers"]
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "details"}


@pytest.fixture(params=["locmem", "redis"])
def throttle_cache(request, settings):
    """The throttle counts in the default cache: in tests locmem, in production Redis (one round trip a call)."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.RedisCache",
                "LOCATION": settings.TEST_REDIS_URL,
                "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",
            }
        }
    yield request.param
    cache.clear()


def test_the_rate_is_counted_in_windows_of_its_period(client, world, monkeypatch, throttle_cache, settings):
    """A counter per window: a new minute opens a new count; a refusal near the window's end says when; the
    counter leaves the cache after its window."""
    from api.throttling import ClientRateThrottle

    now = [60 * 29_000_000 + 58.5]
    monkeypatch.setattr(ClientRateThrottle, "timer", staticmethod(lambda: now[0]))
    _obj, raw = make_key(world, rate="2/min")
    assert [client.get("/api/v1/ping/", **auth(raw)).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get("/api/v1/ping/", **auth(raw))
    assert refused["Retry-After"] == "2"  # 1.5 s left, rounded up to whole seconds (DRF)
    now[0] += 2  # the next minute
    assert [client.get("/api/v1/ping/", **auth(raw)).status_code for _ in range(3)] == [200, 200, 429]
    if throttle_cache == "redis":
        counters = list(
            cache._cache.get_client().scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}*")
        )
        assert len(counters) == 2  # one per window
        assert all(0 < cache._cache.get_client().ttl(counter) <= 61 for counter in counters)
