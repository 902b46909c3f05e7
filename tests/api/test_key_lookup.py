"""api.auth.find_key: the key by its prefix in one ORM query — revoked keys too, whether it names municipalities,
the failures of its prefix from the calling address (not another key's, not made-up prefixes', not older than the
cool-off) — and the lockout counted as axes counts it, whatever its settings."""

import datetime

import pytest
from django.test import RequestFactory

from api.auth import find_key
from core.lockout import api_key_credentials
from tests.api.test_core_api import auth, make_key
from tests.core.test_lockout_count import attempt

pytestmark = pytest.mark.django_db


def failed(prefix: str, ip: str, failures: int, minutes_ago: int = 1, user_agent: str = "") -> None:
    """Failed secrets of the key ``prefix`` from ``ip``, as axes records them."""
    username = api_key_credentials(prefix)["username"]
    attempt(username, ip, failures, datetime.timedelta(minutes=minutes_ago), user_agent)  # its age now


def lookup(prefix: str, ip: str):
    return find_key(prefix, RequestFactory().get("/", REMOTE_ADDR=ip))


@pytest.mark.parametrize("ip", ["127.0.0.1", "203.0.113.9", "2001:db8::7"])
@pytest.mark.parametrize("kind", ["region", "municipalities", "revoked", "absent"])
def test_the_lookup_gives_the_key_and_its_failures_from_the_address(
    world, ip, kind, django_assert_num_queries
):
    if kind == "municipalities":
        key, _raw = make_key(world, municipalities=[world.mun_a])
    else:
        key, _raw = make_key(world, revoked=kind == "revoked")
    other, _raw = make_key(world)
    failed(key.prefix, "127.0.0.1", 2)
    failed(key.prefix, "127.0.0.1", 5, minutes_ago=120, user_agent="old")  # beyond the cool-off
    failed(key.prefix, "2001:db8::7", 1, user_agent="curl")
    failed(key.prefix, "2001:db8::7", 2, user_agent="python")
    failed(other.prefix, ip, 7)  # another key's failures from the same address: not this key's count
    failed("", ip, 6)  # made-up prefixes from the same address: not this key's count
    prefix = "nosuchkey" if kind == "absent" else key.prefix
    with django_assert_num_queries(1):
        found = lookup(prefix, ip)
    if kind == "absent":
        assert found is None
        return
    assert (found.pk, found.revoked) == (key.pk, kind == "revoked")
    assert found.has_municipalities is (kind == "municipalities")
    assert found.address_failures == {"127.0.0.1": 2, "203.0.113.9": 0, "2001:db8::7": 3}[ip]
    assert lookup(other.prefix, ip).address_failures == 7


def test_a_lookup_that_depends_on_more_of_the_call_counts_as_axes_does(world, settings, client):
    """Counting per address and program: the lockout of one program leaves another free."""
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address", "user_agent"]]
    key, raw = make_key(world)
    failed(key.prefix, "127.0.0.1", 4, user_agent="curl")
    assert client.get("/api/v1/ping/", HTTP_USER_AGENT="curl", **auth(raw)).status_code == 429
    assert client.get("/api/v1/ping/", HTTP_USER_AGENT="python", **auth(raw)).status_code == 200


def test_the_cool_off_setting_is_read_at_each_call(world, settings):
    key, _raw = make_key(world)
    failed(key.prefix, "127.0.0.1", 3, minutes_ago=90)
    assert lookup(key.prefix, "127.0.0.1").address_failures == 0  # beyond the default half hour
    settings.AXES_COOLOFF_TIME = 2  # hours
    assert lookup(key.prefix, "127.0.0.1").address_failures == 3


def test_a_cool_off_given_as_a_function_is_used(world, settings):
    key, _raw = make_key(world)
    failed(key.prefix, "127.0.0.1", 3, minutes_ago=90)
    settings.AXES_COOLOFF_TIME = lambda request: datetime.timedelta(hours=2)
    assert lookup(key.prefix, "127.0.0.1").address_failures == 3
