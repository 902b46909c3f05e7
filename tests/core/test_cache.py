"""core.cache: Django's Redis cache that keeps one client per connection pool, against the machine's Redis."""

from core.cache import RedisCache


def test_one_client_serves_every_operation(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": "test-core-cache"})
    try:
        cache.set("ключ", {"счёт": 1}, timeout=30)
        assert cache.get("ключ") == {"счёт": 1}
        cache.delete("ключ-числа")
        assert cache.add("ключ-числа", 1, timeout=30)
        assert cache.incr("ключ-числа") == 2
        client = cache._cache.get_client()
        assert cache._cache.get_client(write=True) is client  # one server: the same pool, the same client
        cache.delete_many(["ключ", "ключ-числа"])
        assert cache.get("ключ") is None
    finally:
        cache.close()
