"""api.key_lookup: the key lookup compiled once gives what the ORM's lookup gives — the key, whether it names
municipalities, the failures of its prefix from the address — for every kind of key and address; one compiled
lookup serves every prefix; a configuration whose SQL depends on more of the call is looked up by the ORM on each
call; changed settings compile it again."""

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone

from api import key_lookup
from core.lockout import api_key_credentials
from tests.api.test_core_api import auth, make_key
from tests.core.test_lockout_count import attempt

pytestmark = pytest.mark.django_db


def failed(prefix: str, ip: str, failures: int, minutes_ago: int = 1, user_agent: str = "") -> None:
    """Failed secrets of the key ``prefix`` from ``ip``, as axes records them."""
    username = api_key_credentials(prefix)["username"]
    attempt(username, ip, failures, timezone.now() - datetime.timedelta(minutes=minutes_ago), user_agent)


def both_ways(prefix: str, ip: str):
    """(compiled, ORM): the same lookup for a request from ``ip``."""
    compiled = key_lookup.find_key(prefix, RequestFactory().get("/", REMOTE_ADDR=ip))
    orm_request = RequestFactory().get("/", REMOTE_ADDR=ip)
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.update_request(orm_request)
    orm = next(iter(key_lookup.key_queryset(prefix, orm_request)), None)
    return compiled, orm


def shape(key):
    if key is None:
        return None
    fields = {f.attname: getattr(key, f.attname) for f in key._meta.concrete_fields}
    return fields, key.has_municipalities, key.address_failures


@pytest.mark.parametrize("ip", ["127.0.0.1", "203.0.113.9", "2001:db8::7"])
@pytest.mark.parametrize("kind", ["region", "municipalities", "revoked", "absent"])
def test_the_compiled_lookup_gives_what_the_orm_gives(world, ip, kind):
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
    compiled, orm = both_ways(prefix, ip)
    assert shape(compiled) == shape(orm)
    if kind != "absent":
        assert compiled.has_municipalities is (kind == "municipalities")
        assert compiled.address_failures == {"127.0.0.1": 2, "203.0.113.9": 0, "2001:db8::7": 3}[ip]
    assert key_lookup._compiled  # compiled, not the ORM's fallback
    assert all(value is not None for value in key_lookup._compiled.values())
    assert both_ways(other.prefix, ip)[0].address_failures == 7


def test_one_compiled_lookup_serves_every_prefix(world):
    """The prefix and the name its failures are counted under are parameters: looking up many prefixes (made up
    by a caller, say) neither compiles again nor grows the cache."""
    key, _raw = make_key(world)
    failed(key.prefix, "127.0.0.1", 3)
    for n in range(20):
        assert key_lookup.find_key(f"made{n:04d}", RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")) is None
    assert len(key_lookup._compiled) == 1
    found = key_lookup.find_key(key.prefix, RequestFactory().get("/", REMOTE_ADDR="127.0.0.1"))
    assert (found.pk, found.address_failures) == (key.pk, 3)
    assert len(key_lookup._compiled) == 1


def test_a_lookup_that_depends_on_more_of_the_call_is_built_by_the_orm(world, settings, client):
    """Counting per address and program: the user agent is in the SQL, the compiled lookup is refused, and the
    lockout counts as axes does."""
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address", "user_agent"]]
    key, raw = make_key(world)
    assert key_lookup.compile_lookup() is None
    failed(key.prefix, "127.0.0.1", 4, user_agent="curl")
    assert client.get("/api/v1/ping/", HTTP_USER_AGENT="curl", **auth(raw)).status_code == 429
    assert client.get("/api/v1/ping/", HTTP_USER_AGENT="python", **auth(raw)).status_code == 200


def test_changed_settings_compile_the_lookup_again(world, settings):
    key, _raw = make_key(world)
    both_ways(key.prefix, "127.0.0.1")
    assert key_lookup._compiled
    settings.AXES_COOLOFF_TIME = 2  # hours
    assert not key_lookup._compiled
    failed(key.prefix, "127.0.0.1", 3, minutes_ago=90)  # within two hours, not within the default half hour
    compiled, orm = both_ways(key.prefix, "127.0.0.1")
    assert compiled.address_failures == orm.address_failures == 3


def test_axes_settings_given_as_functions_are_not_compiled(settings):
    """A function may read anything of the request, which the markers cannot show."""
    settings.AXES_COOLOFF_TIME = lambda request: datetime.timedelta(minutes=30)
    assert key_lookup.compile_lookup() is None
    settings.AXES_COOLOFF_TIME = 0.5
    assert key_lookup.compile_lookup() is not None


def test_the_client_address_callable_does_not_stop_compiling(settings):
    """Whatever finds the client's address (core.client_ip behind a proxy), axes keeps it in the request, and the
    compiled lookup takes it from there."""
    assert settings.AXES_CLIENT_IP_CALLABLE == "core.client_ip.client_ip"
    assert key_lookup.compile_lookup() is not None
