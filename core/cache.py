"""Django's Redis cache, with one client object per connection pool instead of a new one per operation.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a ``redis.Redis`` for every get and
set, and redis-py fills ~170 response callbacks in each: ~0.15 ms of processor per operation, paid twice by
every API call (its throttle reads and writes a counter). A ``redis.Redis`` is safe to share between threads
(the pool hands each command a connection), so one per pool is kept.
"""

from django.core.cache.backends import redis as django_redis


class ReusingRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
