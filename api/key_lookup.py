"""The key lookup of every API call: built by the ORM, compiled to SQL once per process, run with each call's values.

The lookup reads the key by its public prefix, whether it names municipalities, and the failure count of that
prefix from the calling address for the lockout check (axes' own querysets, core.lockout.AxesHandler). Building that query with
the ORM costs ~1.3 ms of processor on every call — half of a trivial call — while running it costs ~0.1 ms.

So the ORM builds it once with marker values in place of the call's own (the prefix, the name axes counts the
prefix's failures under, the address, the moment),
twice with different markers: the SQL must come out the same, and every parameter must either be equal in both
or be one of the markers. Then each call runs that SQL with its values where the markers were. If anything else
varies (an axes configuration that counts by the user agent, say) or an address is unknown, the ORM builds the
query on each call, as before. The compiled SQL is forgotten when the settings of axes or the databases change.
"""

import datetime
import ipaddress
import threading

from axes.handlers.proxy import AxesProxyHandler
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Exists, OuterRef
from django.dispatch import receiver
from django.http import HttpRequest

from core.lockout import api_key_credentials, failures_expression

from .models import ClientKey

_MARKERS = (
    {
        "prefix": "marker1~",
        "ip": "192.0.2.251",
        "other": "marker-1",  # the user agent, path and Accept: a lookup that reads them cannot be reused
        "at": datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),
    },
    {
        "prefix": "marker2~",
        "ip": "198.51.100.252",
        "other": "marker-2",
        "at": datetime.datetime(2002, 3, 4, 5, 6, 7, tzinfo=datetime.UTC),
    },
)


def key_queryset(prefix: str, request: HttpRequest):
    """The lookup as the ORM builds it: the key (revoked and expired ones too), ``has_municipalities`` and, if
    axes uses core.lockout.AxesHandler, ``address_failures`` (of this prefix from this address)."""
    credentials = api_key_credentials(prefix)
    query = ClientKey.objects.filter(prefix=prefix).annotate(
        has_municipalities=Exists(
            ClientKey.municipalities.through.objects.filter(clientkey_id=OuterRef("pk"))
        )
    )
    failures = failures_expression(request, credentials)
    if failures is not None:
        query = query.annotate(address_failures=failures)
    return query.order_by()[:1]  # the prefix is unique: no sort


def _marked_request(marker: dict) -> HttpRequest:
    request = HttpRequest()
    # What axes' update_request would set; present, so axes does not read the (empty) request instead.
    request.axes_updated = True
    request.axes_locked_out = False
    request.axes_attempt_time = marker["at"]
    request.axes_ip_address = marker["ip"]
    request.axes_user_agent = marker["other"]
    request.axes_path_info = f"/{marker['other']}/"
    request.axes_http_accept = marker["other"]
    request.axes_failures_since_start = None
    request.axes_credentials = None
    return request


class Compiled:
    def __init__(self, sql: str, params: list, places: list):
        self.sql = sql
        self.params = params
        self.places = places  # per parameter: None (constant), "prefix", "username", "ip" or ("at", offset)

    def values(self, prefix: str, request: HttpRequest) -> list:
        values = list(self.params)
        for index, place in enumerate(self.places):
            if place == "prefix":
                values[index] = prefix
            elif place == "username":
                values[index] = api_key_credentials(prefix)["username"]
            elif place == "ip":  # as the database's adapter gave it: an ipaddress object or a string
                address = request.axes_ip_address
                values[index] = (
                    address if isinstance(self.params[index], str) else ipaddress.ip_address(address)
                )
            elif place is not None:  # the moment of the call, shifted as axes shifts it (the cool-off)
                values[index] = request.axes_attempt_time - place[1]
        return values


def _place(first, second) -> object:
    """Where a parameter of the compiled lookup comes from: ``first`` and ``second`` under the two markers."""
    markers = _MARKERS
    if first == second:
        return None
    if first == markers[0]["prefix"] and second == markers[1]["prefix"]:
        return "prefix"
    if first == _username(markers[0]) and second == _username(markers[1]):
        return "username"
    if str(first) == markers[0]["ip"] and str(second) == markers[1]["ip"]:
        return "ip"
    if isinstance(first, datetime.datetime) and isinstance(second, datetime.datetime):
        offset = markers[0]["at"] - first
        if markers[1]["at"] - second == offset:
            return ("at", offset)
    raise ValueError(f"a parameter of the key lookup depends on the call: {first!r} / {second!r}")


def _username(marker: dict) -> str:
    return api_key_credentials(marker["prefix"])["username"]


def _depends_on_code() -> bool:
    """axes settings given as functions may read anything of the request, which markers cannot show.

    Not ``AXES_CLIENT_IP_CALLABLE``: whatever finds the address, axes keeps it in ``request.axes_ip_address``,
    which the markers stand for and each call's values fill in (``Compiled.values``).
    """
    from django.conf import settings

    return any(
        callable(value) or (isinstance(value, str) and "." in value)
        for value in (
            getattr(settings, "AXES_COOLOFF_TIME", None),
            getattr(settings, "AXES_LOCKOUT_PARAMETERS", None),
            getattr(settings, "AXES_USERNAME_CALLABLE", None),
        )
    )


def compile_lookup(using: str = "default") -> Compiled | None:
    """The lookup's SQL with the places of the call's values, or None if it cannot be reused."""
    if _depends_on_code():
        return None
    compiled = []
    for marker in _MARKERS:
        query = key_queryset(marker["prefix"], _marked_request(marker)).query
        compiled.append(query.get_compiler(using).as_sql())
    (sql, params), (other_sql, other_params) = compiled
    if sql != other_sql or len(params) != len(other_params):
        return None
    try:
        places = [_place(a, b) for a, b in zip(params, other_params, strict=True)]
    except ValueError:
        return None
    return Compiled(sql, list(params), places)


_compiled: dict = {}
_NOT_YET = object()
_lock = threading.Lock()


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting.startswith("AXES_") or setting == "DATABASES":
        _compiled.clear()


def find_key(prefix: str, request: HttpRequest) -> ClientKey | None:
    """The key with ``prefix`` (annotated as ``key_queryset``), or None."""
    AxesProxyHandler.update_request(request)  # the address and the moment, as axes reads them
    using = ClientKey.objects.db
    cache_key = (
        using,
        connections[using].vendor,
    )  # one SQL for every prefix: the cache does not grow with calls
    compiled = _compiled.get(cache_key, _NOT_YET)
    if compiled is _NOT_YET:
        with _lock:
            compiled = _compiled[cache_key] = compile_lookup(using)
    if compiled is None or request.axes_ip_address is None or not _valid_ip(request.axes_ip_address):
        return next(iter(key_queryset(prefix, request)), None)
    return next(iter(ClientKey.objects.raw(compiled.sql, compiled.values(prefix, request))), None)


def _valid_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
