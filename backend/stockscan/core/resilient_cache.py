"""The Redis cache (django-redis), kept serving when Redis falters.

The throttles (every DRF throttle, through Django's cache) and the tenant context cache go
through here. When Redis refuses connections or stops answering, a request must not wait
for it nor fail: each command has short connect and socket timeouts (REDIS_CONNECT_TIMEOUT,
REDIS_SOCKET_TIMEOUT), and a command that fails goes, with every command of this process
for the next RETRY_SECONDS (REDIS_RETRY_SECONDS), to a local-memory cache of this process
instead. Throttles then count per process (a client gets at most the rate times the number
of processes), and the tenant context cache serves a context for at most
TENANT_CONTEXT_CACHE_SECONDS after a change made elsewhere. Quotas and the other limits
are counted in the database and do not depend on the cache.

The fallback is announced in the log once a minute at most, and `/health` reports the cache
as degraded meanwhile (`reachable`), so the instance stays in rotation.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger("stockscan.cache")

# Seconds after a failure during which this process does not try Redis again: one request
# in that time pays the timeout, the others go straight to local memory.
DEFAULT_RETRY_SECONDS = 5
LOG_INTERVAL_SECONDS = 60
# Room for the throttle counters and contexts of a busy process while Redis is away; beyond
# it the oldest third is dropped, as Django's local memory does.
LOCAL_MAX_ENTRIES = 5000
# What a failing command raises through django-redis: redis-py's errors, or the socket's.
_UNREACHABLE = (RedisError, ConnectionInterrupted, OSError)


class _Circuit:
    """Whether this process should try Redis now. Shared by the threads of a process (Django
    makes one cache backend per thread); the races between them only cost a timeout more."""

    def __init__(self, retry_seconds: float):
        self.retry_seconds = retry_seconds
        self.open_until = 0.0
        self.last_logged = -LOG_INTERVAL_SECONDS
        self.lock = threading.Lock()

    def closed(self) -> bool:
        return time.monotonic() >= self.open_until

    def trip(self, location: str, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.open_until = now + self.retry_seconds
            announce = now - self.last_logged >= LOG_INTERVAL_SECONDS
            if announce:
                self.last_logged = now
        if announce:
            logger.warning(
                "Redis unreachable at %s (%s): throttles and caches use this process's memory "
                "(retried every %s s; logged once a minute).",
                location,
                error.__class__.__name__,
                self.retry_seconds,
            )


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit_for(location: str, retry_seconds: float) -> _Circuit:
    with _circuits_lock:
        return _circuits.setdefault(location, _Circuit(retry_seconds))


class ResilientRedisCache(RedisCache):
    """django-redis's RedisCache for Django's cache API, with a local-memory fallback.

    OPTIONS: django-redis's (SOCKET_CONNECT_TIMEOUT, SOCKET_TIMEOUT…), and RETRY_SECONDS.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_seconds = options.pop("RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server if isinstance(server, str) else ",".join(server)
        self._circuit = _circuit_for(self._location, retry_seconds)
        # The same LOCATION in every thread: one local memory per process, shared like Redis.
        self._local = LocMemCache(
            f"stockscan-fallback:{self._location}", {**params, "OPTIONS": {"MAX_ENTRIES": LOCAL_MAX_ENTRIES}}
        )

    def _call(self, method: str, *args, **kwargs):
        if self._circuit.closed():
            try:
                return getattr(super(), method)(*args, **kwargs)
            except _UNREACHABLE as error:
                self._circuit.trip(self._location, error)
        return getattr(self._local, method)(*args, **kwargs)

    def reachable(self) -> bool:
        """Whether Redis answers now (a PING), without waiting for it while it is known down."""
        if not self._circuit.closed():
            return False
        try:
            self.client.get_client(write=True).ping()
        except _UNREACHABLE as error:
            self._circuit.trip(self._location, error)
            return False
        return True

    def add(self, key, value, timeout=None, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=None, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=None, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def set_many(self, data, timeout=None, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", key, delta=delta, version=version)

    def clear(self):
        self._local.clear()
        return self._call("clear")
