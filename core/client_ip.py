"""The address of the client a request came from, behind the portal's own proxies too.

Behind nginx (docs/operations.md) ``REMOTE_ADDR`` is nginx's address for every caller. nginx passes the caller's
address in ``X-Forwarded-For`` (each proxy appends the address it heard from), but any client can send that
header too, so it is believed only when the connection comes from a proxy of ``TRUSTED_PROXIES`` (addresses or
CIDR networks): then the entries are read right to left, skipping the portal's own proxies, and the first other
address is the client. From anyone else the header is ignored and ``REMOTE_ADDR`` is the client.

django-ipware reads the header (lists, IPv6 in brackets, ports, IPv4-mapped addresses); the one ``client_ip``
serves axes' lockouts (``AXES_CLIENT_IP_CALLABLE``), the API keys' address lists, the sign-in journal and
/health/.
"""

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ipware import get_client_ip

FORWARDED_HEADER = "HTTP_X_FORWARDED_FOR"
# Proxies of the portal's own a request may pass (a balancer, then nginx): more than this is a forged chain.
MAX_PROXY_HOPS = 5


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: «{entry}» — не адрес и не сеть (ожидается, например, 127.0.0.1 или 10.0.0.0/24)."
            ) from None
    return tuple(networks)


def trusted_networks() -> tuple:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _parse(address: str):
    """The address as an ``ipaddress`` object, an IPv4-mapped IPv6 address as the IPv4 address it carries
    (a dual-stack socket reports 1.2.3.4 as ``::ffff:1.2.3.4``, RFC 4291 2.5.5.2); None when unreadable."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def normalized(address: str) -> str:
    """``address`` in its plain form (``::ffff:1.2.3.4`` → ``1.2.3.4``); an unreadable one unchanged."""
    ip = _parse(address)
    return address if ip is None else str(ip)


def is_trusted_proxy(address: str) -> bool:
    ip = _parse(address)
    if ip is None:
        return False
    return any(ip.version == network.version and ip in network for network in trusted_networks())


def address_in(address: str, entries) -> bool:
    """Pure: is ``address`` within one of ``entries`` (addresses or CIDR networks)? Unreadable entries match
    nothing; an unreadable address matches nothing. An IPv4-mapped address is its IPv4 address."""
    ip = _parse(address)
    if ip is None:
        return False
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
            if ip.version == network.version and ip in network:
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str:
    """The caller's address: ``REMOTE_ADDR``, or behind a trusted proxy what the proxies forwarded; an
    IPv4-mapped address in its IPv4 form, so lockouts, address lists and the journal see one client as one.

    Found once per request and kept on it: axes, the key's address list and the journal all ask, and ipware
    looks through the whole request environment each time it is called.
    """
    http_request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    address = getattr(http_request, "_shnor_client_ip", None)
    if address is None:
        address = http_request._shnor_client_ip = normalized(_find(http_request))  # type: ignore[union-attr]  # a memo on the request
    return address


def _find(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not is_trusted_proxy(remote):
        return remote
    address = remote
    for hops in range(MAX_PROXY_HOPS):
        # The entry with ``hops`` entries right of it; None when the header has no such (valid) entry.
        forwarded, _routable = get_client_ip(
            request, proxy_count=hops, request_header_order=[FORWARDED_HEADER], strict=False
        )
        if forwarded is None:
            break
        address = forwarded
        if not is_trusted_proxy(forwarded):
            break
    return address
