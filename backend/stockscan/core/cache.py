"""The Redis cache backend: Django's, keeping its redis clients."""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    """Django's client makes a new `redis.Redis` for every cache call, around the same
    connection pool; making one costs about as much as the round trip it serves. A client is
    safe to share between threads (each command takes its connection from the pool), so one
    per pool is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
