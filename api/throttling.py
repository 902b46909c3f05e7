from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """Per client key (its own ``rate`` or the default); browser users per account. 429 with Retry-After."""

    scope = "api_client"

    def get_cache_key(self, request, view):
        key = getattr(request, "auth", None)
        if key is not None and hasattr(key, "prefix"):
            ident = f"key:{key.pk}"
        elif request.user and request.user.is_authenticated and getattr(request.user, "pk", None):
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        key = getattr(request, "auth", None)
        if key is not None and getattr(key, "rate", ""):
            self.rate = key.rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
