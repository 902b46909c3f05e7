"""``Authorization: Api-Key <key>``: a client system acts as a read-only principal over its region or
municipalities, through the same access gate as people (core.access)."""

from functools import cached_property

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from rest_framework import authentication, exceptions

from core.client_ip import address_in, client_ip
from core.db_router import primary_reads
from core.lockout import (
    api_key_credentials,
    cool_off_seconds,
    failures_expression,
    known_failures,
    locked_out_message,
)
from core.principals import GrantsPrincipal
from core.roles import Grant, Role

from .models import ClientKey

HEADER_PREFIX = "Api-Key "


def find_key(prefix: str, request: HttpRequest) -> ClientKey | None:
    """The key with ``prefix`` — revoked and expired ones too, so each gets its own message — in one query with
    ``has_municipalities`` and, if axes uses core.lockout.AxesHandler, ``address_failures`` (the failures of this
    prefix from the calling address, for the lockout check). The secret is compared by ``ClientKey.is_valid``."""
    AxesProxyHandler.update_request(request)  # the address and the moment, as axes reads them
    query = ClientKey.objects.filter(prefix=prefix).annotate(
        has_municipalities=Exists(
            ClientKey.municipalities.through.objects.filter(clientkey_id=OuterRef("pk"))
        )
    )
    failures = failures_expression(request, api_key_credentials(prefix))
    if failures is not None:
        query = query.annotate(address_failures=failures)
    return next(iter(query.order_by()[:1]), None)  # the prefix is unique: no sort


class ApiPrincipal(GrantsPrincipal):
    """What the gate needs of a user, for a key: read grants (as a department head, who writes nothing) over
    the key's region or municipalities; for the results intake, a methodologist's grants over the same."""

    def __init__(self, key: ClientKey):
        self.key = key
        self.username = f"api:{key.prefix}"

    def __str__(self) -> str:
        return f"API: {self.key.name}"

    @cached_property
    def _targets(self) -> list[dict]:
        # ``has_municipalities`` comes with the key (ApiKeyAuthentication): a region's key, the usual one, costs
        # no second query. Read from the link table on the primary (a replica may lag behind a narrowed key),
        # no join, no ordering by name. A key that names municipalities reaches only those: if none is found
        # (they were all removed since the key was read) it reaches nothing, never its whole region.
        if getattr(self.key, "has_municipalities", True):
            with primary_reads():
                links = ClientKey.municipalities.through.objects.filter(clientkey_id=self.key.pk)
                municipalities = sorted(links.values_list("municipality_id", flat=True))
            if municipalities:
                return [{"municipality_id": pk} for pk in municipalities]
            if getattr(self.key, "has_municipalities", False):
                return []
        return [{"region_id": self.key.region_id}]

    @property
    def reach(self) -> tuple:
        """What the key reaches, as a value to compare and hash: its region, or its set of municipalities."""
        return tuple(sorted(tuple(sorted(target.items())) for target in self._targets))

    @property
    def grants(self) -> list[Grant]:
        grants = [Grant(role=Role.HEAD, **target) for target in self._targets]
        if self.key.results_write:
            grants += [Grant(role=Role.METHODIST, **target) for target in self._targets]
        return grants


def ip_allowed(allowed: str, address: str) -> bool:
    """Pure: is ``address`` within one of the lines of ``allowed`` (addresses or CIDR networks)? Empty allows all."""
    lines = [line.strip() for line in allowed.splitlines() if line.strip()]
    return not lines or address_in(address, lines)


class LockedOut(exceptions.Throttled):
    """429 with ``Retry-After`` (DRF sets it from ``wait``), and our message without DRF's English tail."""

    default_code = "locked_out"

    def __init__(self, wait: int | None, detail: str):
        exceptions.APIException.__init__(self, detail)
        self.wait = wait


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Wrong, revoked and expired keys count towards the lockout of that key prefix from that address
    (core.lockout); a locked key gets 429 with ``Retry-After`` before its secret is checked."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith(HEADER_PREFIX):
            return None
        raw = header[len(HEADER_PREFIX) :].strip()
        prefix, _, _ = raw.partition(".")
        http_request = request._request
        # Looked up among all keys (not only usable ones), so a revoked or expired key gets its own message.
        # The failures of this prefix from this address come with it (one query, not two; find_key),
        # but the secret is not checked before the lockout check. A prefix that names no key is counted with
        # the address's other made-up prefixes (core.lockout).
        key = find_key(prefix, http_request)
        credentials = api_key_credentials(prefix, key_exists=key is not None)
        if key is not None and hasattr(key, "address_failures"):
            known_failures(http_request, credentials, key.address_failures)
        if not AxesProxyHandler.is_allowed(http_request, credentials):
            seconds = cool_off_seconds()
            raise LockedOut(wait=seconds or None, detail=locked_out_message(seconds))
        if key is None or not key.is_valid(raw):
            self._failed(http_request, credentials, "Ключ API не найден.")
        if key.revoked:
            self._failed(http_request, credentials, "Ключ API отозван.")
        if key.has_expired:
            self._failed(http_request, credentials, "Срок действия ключа API истёк.")
        if not ip_allowed(key.allowed_ips, client_ip(http_request)):
            raise exceptions.PermissionDenied("С этого IP-адреса ключ использовать нельзя.")
        return ApiPrincipal(key), key

    @staticmethod
    def _failed(http_request, credentials: dict, message: str):
        # Axes counts the failure (and marks the request locked out at the limit: its middleware then answers
        # with core.lockout's 429); core.auth_log journals it.
        user_login_failed.send(sender=ApiKeyAuthentication, credentials=credentials, request=http_request)
        raise exceptions.AuthenticationFailed(message)

    def authenticate_header(self, request) -> str:
        return self.keyword
