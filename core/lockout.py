"""Lockout after repeated failures (django-axes), for the sign-in page and for API keys.

Axes counts failures per (username, address); the address is the client's, behind the portal's proxies too
(``AXES_CLIENT_IP_CALLABLE``, core/client_ip.py). A wrong API key has no username, so its failures are counted
under a name no account can have (``API_KEY_USERNAME`` holds a space, which Django's username validator refuses)
followed by the key's public prefix: ten wrong secrets of one key from an address lock that key out from there,
while the other keys used from the same address — another regional system behind the same NAT, a correctly set
up client on the same server — go on working. Prefixes that name no key share one count per address
(``API_KEY_USERNAME`` alone), so trying made-up keys is locked out as before, and fills no table with a row per
made-up prefix. The limits differ: a person gets ``LOGIN_FAILURE_LIMIT`` tries, a client system
``API_KEY_FAILURE_LIMIT`` (a misconfigured system retries on a schedule). One cool-off (``AXES_COOLOFF_TIME``)
for both.

While locked, the sign-in page answers 429 with its Russian page, and the API answers 429 in the API's error
format with ``Retry-After``, before the secret is even checked, so a locked key learns nothing more.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.db.models import IntegerField, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

API_KEY_USERNAME = "ключ API"
API_PATH_PREFIX = "/api/"


PREFIX_LENGTH = 16  # a key's prefix has 8 characters (ClientKey.prefix); a longer one names no key


def api_key_credentials(prefix: str = "", *, key_exists: bool = True) -> dict:
    """What axes and the sign-in journal get for a key: the name its failures are counted under — per key prefix,
    or one for all prefixes that name no key — and the public prefix sent (never the secret part), so that the
    journal shows which client is misconfigured."""
    prefix = prefix[:PREFIX_LENGTH]
    username = f"{API_KEY_USERNAME} {prefix}" if prefix and key_exists else API_KEY_USERNAME
    return {"username": username, "key_prefix": prefix}


def is_api_key_attempt(credentials: dict | None) -> bool:
    username = (credentials or {}).get("username") or ""
    return username == API_KEY_USERNAME or username.startswith(f"{API_KEY_USERNAME} ")


def failure_limit(request: HttpRequest | None, credentials: dict | None) -> int:
    """``AXES_FAILURE_LIMIT``: failures before a lock, for people and for client systems."""
    if is_api_key_attempt(credentials):
        return settings.API_KEY_FAILURE_LIMIT
    return settings.LOGIN_FAILURE_LIMIT


def cool_off_seconds() -> int:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return int(cool_off.total_seconds()) if cool_off else 0


def locked_out_message(seconds: int) -> str:
    if not seconds:
        return (
            "Доступ с этого адреса заблокирован после неверных ключей API; блокировку снимает администратор."
        )
    minutes = max(1, round(seconds / 60))
    return f"Слишком много неверных ключей API с этого адреса: повторите через {minutes} мин."


def api_locked_out_response(seconds: int) -> JsonResponse:
    response = JsonResponse(
        {"code": "locked_out", "message": locked_out_message(seconds), "details": None},
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the API's JSON error for a key, the Russian page for the sign-in form."""
    seconds = cool_off_seconds()
    if is_api_key_attempt(credentials) or request.path.startswith(API_PATH_PREFIX):
        return api_locked_out_response(seconds)
    from axes.helpers import get_client_username, get_cool_off

    context = {
        "failure_limit": failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_timedelta": get_cool_off(request),
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)


class AxesHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: axes' database handler, which can take a count of failures read beforehand.

    Every API call asks axes whether its address is locked out — one more query per call, as costly as the call's
    own key lookup. ``failures_expression`` gives axes' own count (``get_failures``: the same querysets, the same
    cool-off) as one SQL expression, which the key lookup carries as an annotation (api/auth.py); the result is
    handed to ``known_failures`` and axes' ``is_allowed`` then decides as always — blacklists, whitelists, limit —
    without asking the database again. Used once: a failure recorded afterwards is counted anew.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        known = getattr(request, "shnor_known_failures", None)
        if known is not None and known[0] == credentials:
            del request.shnor_known_failures
            return known[1]
        return super().get_failures(request, credentials)

    def failures_expression(self, request: HttpRequest, credentials: dict):
        AxesProxyHandler.update_request(request)  # the address and the moment, as axes reads them
        sums = [
            Coalesce(
                Subquery(
                    attempts.order_by()
                    .annotate(all=Value(1))
                    .values("all")
                    .annotate(total=Sum("failures_since_start"))
                    .values("total")[:1]
                ),
                0,
                output_field=IntegerField(),
            )
            for attempts in self.get_user_attempts(request, credentials)
        ]
        return sums[0] if len(sums) == 1 else Greatest(*sums)


def known_failures(request: HttpRequest, credentials: dict, failures: int) -> None:
    """``failures`` of ``credentials`` were read with another query: the next lockout check uses them."""
    request.shnor_known_failures = (credentials, failures)  # type: ignore[attr-defined]  # a memo on the request


def failures_expression(request: HttpRequest, credentials: dict):
    """axes' count of failures as an SQL expression, or None if axes is not using ``AxesHandler``."""
    handler = AxesProxyHandler.get_implementation()
    if not isinstance(handler, AxesHandler):
        return None
    return handler.failures_expression(request, credentials)
