import logging

from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from core.client_ip import client_ip
from core.rate_limit import StoreState, count

logger = logging.getLogger("api.throttling")


class _StoreState(StoreState):
    """Whether this process's throttle may use its store (core.rate_limit.StoreState, logged as the API's)."""

    def __init__(self) -> None:
        super().__init__(logger, "Ограничение частоты API")


store_state = _StoreState()


class ClientRateThrottle(SimpleRateThrottle):
    """Per client key (its own ``rate`` or the default); browser users per account. 429 with Retry-After.

    Counts calls in fixed windows of the rate's period (a counter per client and window) instead of DRF's list of
    every call's time: that list is read, trimmed and written back whole on every call, so its cost grew with the
    rate — at 24,000 calls a minute (a busy key) ~0.5 ms and 200 KB through Redis per call. A counter costs the
    same at any rate. The price: at a window's edge a client may make up to twice its rate within one period.

    While the store does not answer (Redis stopped or hung) calls pass uncounted, and the store is asked again
    after ``core.rate_limit.REST_SECONDS``: see ``core.rate_limit.StoreState``.
    """

    scope = "api_client"

    def get_cache_key(self, request, view):
        key = getattr(request, "auth", None)
        if key is not None and hasattr(key, "prefix"):
            ident = f"key:{key.pk}"
        elif request.user and request.user.is_authenticated and getattr(request.user, "pk", None):
            ident = f"user:{request.user.pk}"
        else:
            # Not DRF's get_ident: without NUM_PROXIES it takes X-Forwarded-For from anyone, so a caller
            # could name a new address on every call; core.client_ip believes only TRUSTED_PROXIES.
            ident = client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        key = getattr(request, "auth", None)
        if key is not None and getattr(key, "rate", ""):
            self.rate = key.rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        client = self.get_cache_key(request, view)
        if client is None:
            return True
        if not store_state.usable():
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        counter = f"{client}:{window}"
        try:
            calls = self.count(counter, timeout=self.duration + 1)
        except (RedisError, OSError) as error:
            # The limit protects the portal from a runaway client; refusing every client because the counter's
            # store is down would be the outage it guards against. The call goes through uncounted.
            store_state.failed(error)
            return True
        store_state.counted()
        self.window_end = (window + 1) * self.duration
        return calls <= self.num_requests

    def count(self, counter: str, timeout: int) -> int:
        """This call's number in the window (core.rate_limit.count: one round trip to Redis)."""
        return count(self.cache, counter, timeout)

    def wait(self):
        # At least a second: a refusal just before the window's end must not say «retry in 0 s».
        return max(1.0, self.window_end - self.now)
