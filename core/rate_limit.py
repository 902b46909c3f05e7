"""Counting calls in fixed windows in the cache (Redis): the API's throttle (api/throttling.py) and the open pages
that do heavy work for anyone (the verification of a signed справка, reports/views_verify.py).

A counter per client and window instead of a list of every call's time (DRF's): the list is read, trimmed and
written back whole on every call, so its cost grew with the rate; a counter costs the same at any rate. The price:
at a window's edge a client may make up to twice its rate within one period.

While the store does not answer (Redis stopped or hung) calls pass uncounted — refusing everyone because the
counter's store is down would be the outage the limit guards against — and the store is asked again after
``REST_SECONDS``, with one log line when it fails and one when it counts again.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.cache import cache as default_cache
from django.shortcuts import render
from redis.exceptions import RedisError

from core.client_ip import client_ip
from core.plural import count_noun

# A store that failed is not asked again for this long: a Redis that hangs would otherwise hold every call for
# its socket timeout (2 s, settings.CACHES), and a stopped one would be dialled on every call.
REST_SECONDS = 10

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """«30/min» → (30, 60): calls and the window's seconds (DRF's notation: s, m, h, d or their longer names)."""
    calls, _slash, period = rate.partition("/")
    try:
        return int(calls), PERIODS[period.strip().lower()]
    except (ValueError, KeyError) as error:
        raise ValueError(f"Неверная частота «{rate}»: ожидается вида «30/min»") from error


class StoreState:
    """Whether this process's limit may use its store. Down: calls pass uncounted. One log line when the store
    fails, one when it counts again — not one per call (a busy key makes 20 calls a second)."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._lock = threading.Lock()
        self._logger = logger
        self._what = what
        self.down = False
        self.resting_until = 0.0

    def usable(self) -> bool:
        return time.monotonic() >= self.resting_until

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.resting_until = time.monotonic() + REST_SECONDS
            if self.down:
                return
            self.down = True
        self._logger.error(
            "%s не действует: хранилище счётчиков недоступно (%s: %s), запросы пропускаются без счёта",
            self._what,
            type(error).__name__,
            str(error).strip(),
        )

    def counted(self) -> None:
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        self._logger.warning("%s снова действует: хранилище счётчиков отвечает", self._what)


def count(cache: Any, counter: str, timeout: int) -> int:
    """This call's number in its window: one round trip to Redis (a counter created with its expiry if new, then
    incremented), two or three steps in another cache."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):  # Django's Redis cache (core.cache.RedisCache)
        key = cache.make_and_validate_key(counter)
        # MULTI/EXEC: the counter cannot expire between the two steps and be left without its expiry.
        pipe = backend.get_client(key, write=True).pipeline(transaction=True)
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        return pipe.execute()[1]
    if cache.add(counter, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(counter)
    except ValueError:  # expired between the two steps: this call opens the window again
        cache.set(counter, 1, timeout=timeout)
        return 1


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait: float = 0.0  # seconds until the window ends, at least 1 (a refusal never says «retry in 0 s»)


def hit(client: str, rate: str, state: StoreState, *, cache=None, now: float | None = None) -> Verdict:
    """Count a call of ``client`` (a cache key prefix naming the scope and the caller) against ``rate``."""
    calls_allowed, period = parse_rate(rate)
    if not state.usable():
        return Verdict(True)
    now = time.time() if now is None else now
    window = int(now // period)
    try:
        calls = count(cache or default_cache, f"{client}:{window}", timeout=period + 1)
    except (RedisError, OSError) as error:
        state.failed(error)
        return Verdict(True)
    state.counted()
    if calls <= calls_allowed:
        return Verdict(True)
    return Verdict(False, max(1.0, (window + 1) * period - now))


pages_state = StoreState(logging.getLogger("core.rate_limit"), "Ограничение частоты открытых страниц")


def limit_by_address(scope: str, rate_setting: str, *, methods: frozenset[str] | None = None):
    """A view decorator: at most the rate in ``settings.<rate_setting>`` calls a client address (core.client_ip:
    only trusted proxies are believed) may make to the view; more get 429 with Retry-After and a Russian page.
    ``methods``: only those are counted (None: every call)."""

    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            from django.conf import settings

            if methods is None or request.method in methods:
                rate = getattr(settings, rate_setting)
                verdict = hit(f"rate:{scope}:{client_ip(request)}", rate, pages_state)
                if not verdict.allowed:
                    wait = math.ceil(verdict.wait)
                    response = render(
                        request,
                        "429.html",
                        {"wait": count_noun(wait, "секунду", "секунды", "секунд")},
                        status=429,
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return limited

    return decorate
