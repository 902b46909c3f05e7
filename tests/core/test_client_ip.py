"""core/client_ip.py: behind the documented nginx every lockout, address list and /health/ sees the real client;
X-Forwarded-For is believed only from TRUSTED_PROXIES."""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from core.client_ip import address_in, client_ip
from core.models import AuthEvent
from tests.api.test_core_api import assert_error, make_key
from tests.conftest import PASSWORD

PROXY = "10.0.0.2"  # nginx, as docs/operations.md sets it up
CLIENT_A = "203.0.113.10"  # a regional system
CLIENT_B = "198.51.100.20"  # another one
STRANGER = "192.0.2.99"  # reaches gunicorn directly, not through nginx


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = [PROXY, "10.8.0.0/24"]
    cache.clear()  # the API throttle counts in the default cache


def via_proxy(client_address: str | None = None, remote: str = PROXY) -> dict:
    """What gunicorn sees of a request that nginx forwards (``proxy_add_x_forwarded_for``)."""
    meta = {"REMOTE_ADDR": remote}
    if client_address is not None:
        meta["HTTP_X_FORWARDED_FOR"] = client_address
    return meta


# --- the address ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (via_proxy(CLIENT_A), CLIENT_A),
        (
            via_proxy(f"{CLIENT_B}, {CLIENT_A}"),
            CLIENT_A,
        ),  # the client's own header first, nginx appends the real one
        (via_proxy(f"{CLIENT_A}, 10.8.0.5"), CLIENT_A),  # a balancer of ours between: skipped
        (via_proxy(f"{CLIENT_A}:51234"), CLIENT_A),
        (via_proxy("[2001:db8::5]:443"), "2001:db8::5"),
        (via_proxy(CLIENT_A, remote=f"::ffff:{PROXY}"), CLIENT_A),  # nginx seen on a dual-stack socket
        ({"REMOTE_ADDR": f"::ffff:{CLIENT_A}"}, CLIENT_A),  # the client itself on a dual-stack socket
        (via_proxy(f"::ffff:{CLIENT_A}"), CLIENT_A),  # nginx listening on a dual-stack socket
        ({"REMOTE_ADDR": "2001:db8::5"}, "2001:db8::5"),
        (via_proxy(), PROXY),  # nginx's own request (no header): nginx
        (via_proxy("не адрес"), PROXY),
        (via_proxy(CLIENT_A, remote=STRANGER), STRANGER),  # not from nginx: the header is anyone's invention
        (via_proxy(CLIENT_A, remote="10.0.0.3"), "10.0.0.3"),
        ({"REMOTE_ADDR": CLIENT_A, "HTTP_X_REAL_IP": CLIENT_B, "HTTP_CLIENT_IP": CLIENT_B}, CLIENT_A),
        (via_proxy(CLIENT_A) | {"HTTP_X_REAL_IP": CLIENT_B, "HTTP_CLIENT_IP": CLIENT_B}, CLIENT_A),
    ],
)
def test_client_ip(meta, expected):
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_without_trusted_proxies_the_header_is_never_believed(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(RequestFactory().get("/", **via_proxy(CLIENT_A))) == PROXY


def test_a_wrong_trusted_proxy_is_a_configuration_error(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES: «10.0.0.0/33»"):
        client_ip(RequestFactory().get("/", **via_proxy(CLIENT_A)))


@pytest.mark.parametrize(
    ("address", "entries", "inside"),
    [
        ("10.0.0.7", ["10.0.0.0/24"], True),
        ("10.0.1.7", ["10.0.0.0/24", "10.0.1.7"], True),
        ("10.0.1.8", ["10.0.0.0/24", "10.0.1.7"], False),
        ("2001:db8::1", ["2001:db8::/32"], True),
        ("::ffff:10.0.1.7", ["10.0.1.7"], True),  # an IPv4 client on a dual-stack socket
        ("::ffff:10.0.0.7", ["10.0.0.0/24"], True),
        ("::ffff:10.0.1.8", ["10.0.0.0/24", "10.0.1.7"], False),
        ("10.0.0.7", ["::/0"], False),
        ("10.0.0.7", ["не адрес"], False),
        ("", ["10.0.0.0/8"], False),
        ("10.0.0.7", [], False),
    ],
)
def test_address_in(address, entries, inside):
    assert address_in(address, entries) is inside


# --- API keys -----------------------------------------------------------------------------------------------------


def call(client, raw: str, meta: dict):
    return client.get("/api/v1/schools/", HTTP_AUTHORIZATION=f"Api-Key {raw}", **meta)


@pytest.mark.django_db
def test_wrong_keys_through_the_proxy_lock_their_client_only(client, world, settings):
    key, raw = make_key(world)
    limit = settings.API_KEY_FAILURE_LIMIT
    statuses = [call(client, f"{key.prefix}.wrong", via_proxy(CLIENT_A)).status_code for _ in range(limit)]
    assert statuses == [401] * (limit - 1) + [429]
    assert_error(call(client, raw, via_proxy(CLIENT_A)), 429, "locked_out")
    assert call(client, raw, via_proxy(CLIENT_B)).status_code == 200  # the same key, another system
    assert call(client, raw, via_proxy()).status_code == 200  # nor is nginx itself counted
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    assert set(AuthEvent.objects.values_list("ip", flat=True)) == {CLIENT_A}  # the journal names the client


@pytest.mark.django_db
def test_a_forged_header_from_outside_the_proxies_is_not_believed(client, world, settings):
    """A stranger that varies X-Forwarded-For is still counted as itself, and cannot lock another client."""
    key, raw = make_key(world)
    limit = settings.API_KEY_FAILURE_LIMIT
    statuses = [
        call(client, f"{key.prefix}.wrong", via_proxy(f"203.0.113.{n}", remote=STRANGER)).status_code
        for n in range(limit)
    ]
    assert statuses == [401] * (limit - 1) + [429]
    assert_error(call(client, raw, via_proxy(CLIENT_A, remote=STRANGER)), 429, "locked_out")
    assert call(client, raw, via_proxy("203.0.113.1")).status_code == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


@pytest.mark.django_db
def test_wrong_secrets_of_one_key_do_not_lock_another_key_of_the_address(client, world, settings):
    misconfigured, _raw = make_key(world, name="Старая РИС")
    working, raw = make_key(world, name="РИС РЦОИ")
    limit = settings.API_KEY_FAILURE_LIMIT
    for _ in range(limit + 2):
        call(client, f"{misconfigured.prefix}.old-secret", via_proxy(CLIENT_A))
    assert call(client, raw, via_proxy(CLIENT_A)).status_code == 200
    assert_error(call(client, f"{misconfigured.prefix}.old-secret", via_proxy(CLIENT_A)), 429, "locked_out")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("meta", "status"),
    [
        (via_proxy(CLIENT_A), 200),
        (via_proxy(CLIENT_B), 403),
        (via_proxy(), 403),  # nginx's address is not the client's
        (via_proxy(CLIENT_A, remote=STRANGER), 403),  # a forged header
        (
            {"REMOTE_ADDR": f"::ffff:{CLIENT_A}"},
            200,
        ),  # the client straight to gunicorn on a dual-stack socket
        ({"REMOTE_ADDR": "::ffff:10.9.1.2"}, 200),
    ],
)
def test_the_address_list_of_a_key_checks_the_real_client(client, world, meta, status):
    _key, raw = make_key(world, allowed_ips=f"{CLIENT_A}\n10.9.0.0/16")
    response = call(client, raw, meta)
    if status == 200:
        assert response.status_code == 200
    else:
        assert (
            assert_error(response, 403, "permission_denied")["message"]
            == "С этого IP-адреса ключ использовать нельзя."
        )


# --- sign-in --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_passwords_through_the_proxy_lock_the_account_for_their_client_only(client, world, settings):
    limit = settings.LOGIN_FAILURE_LIMIT
    login = reverse("login")
    statuses = [
        client.post(
            login, {"username": "methodist", "password": f"неверный-{n}"}, **via_proxy(CLIENT_A)
        ).status_code
        for n in range(limit)
    ]
    assert statuses == [200] * (limit - 1) + [429]
    assert (
        client.post(login, {"username": "methodist", "password": PASSWORD}, **via_proxy(CLIENT_A)).status_code
        == 429
    )
    # The same user at another computer signs in.
    response = client.post(login, {"username": "methodist", "password": PASSWORD}, **via_proxy(CLIENT_B))
    assert response.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


# --- /health/ -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("meta", "status"),
    [
        (via_proxy("10.20.30.40"), 200),  # the monitor through nginx
        ({"REMOTE_ADDR": "10.20.30.40"}, 200),  # the monitor directly
        ({"REMOTE_ADDR": "::ffff:10.20.30.40"}, 200),  # the monitor directly, on a dual-stack socket
        (via_proxy(CLIENT_A), 404),
        (via_proxy(), 404),  # nginx's address is not the monitor's
        (via_proxy("10.20.30.40", remote=STRANGER), 404),  # a forged header
    ],
)
def test_health_address_list_checks_the_real_client(client, settings, tmp_path, meta, status):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HEALTH_CHECK_ALLOWED_IPS = ["10.20.30.40"]
    assert client.get("/health/web/?format=json", **meta).status_code == status


# --- the rate of calls without a key ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "ident"),
    [
        (via_proxy(CLIENT_A), CLIENT_A),
        (via_proxy(f"{CLIENT_B}, {CLIENT_A}"), CLIENT_A),
        (
            via_proxy(CLIENT_A, remote=STRANGER),
            STRANGER,
        ),  # a new X-Forwarded-For per call does not reset the count
        (via_proxy("203.0.113.77", remote=STRANGER), STRANGER),
    ],
)
def test_calls_without_a_key_are_counted_per_real_client(meta, ident):
    from rest_framework.request import Request

    from api.throttling import ClientRateThrottle

    request = Request(RequestFactory().post("/api/v1/reports/verify/", **meta), authenticators=())
    assert ClientRateThrottle().get_cache_key(request, None) == f"throttle_api_client_{ident}"
