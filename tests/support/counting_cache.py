"""A local-memory cache that records each call a request makes to it, as the round trips a
shared cache (Redis) would serve: calls made inside another call are not counted."""

from django.core.cache.backends.locmem import LocMemCache


class CountingLocMemCache(LocMemCache):
    def __init__(self, name, params):
        super().__init__(name, params)
        self.calls: list[str] = []
        self._depth = 0

    def _counted(self, method: str, *args, **kwargs):
        if self._depth == 0:
            self.calls.append(method)
        self._depth += 1
        try:
            return getattr(super(), method)(*args, **kwargs)
        finally:
            self._depth -= 1

    def add(self, *args, **kwargs):
        return self._counted("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._counted("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._counted("set", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._counted("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._counted("get_many", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._counted("set_many", *args, **kwargs)
