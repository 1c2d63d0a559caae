"""The API's request throttles: one counter per key and fixed window in the shared cache
(Redis), raised with one atomic INCR. DRF's SimpleRateThrottle reads a key's history and
writes it back, so requests arriving together on several processes all pass; here exactly
the rate gets through in a window (at most twice the rate across a window's edge). Every
throttle of the API is one of these; rates are written in DRF's notation ("20/min")."""

import math

from rest_framework.throttling import SimpleRateThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/min" → (20, 60): requests, and the window in seconds (read from the period's
    first letter: s, m, h, d)."""
    number, period = rate.split("/", 1)
    return int(number), PERIODS[period.strip()[0]]


class AtomicRateThrottle(SimpleRateThrottle):
    """A DRF throttle (`scope` → DEFAULT_THROTTLE_RATES, `get_cache_key`) counted atomically."""

    def parse_rate(self, rate):
        return (None, None) if rate is None else parse_rate(rate)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.window_ends_in = (window + 1) * self.duration - now
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's key expired between add and incr
            self.cache.set(key, 1, self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self):
        return max(1, math.ceil(self.window_ends_in))


class ClientAddressThrottle(AtomicRateThrottle):
    """Per client address (DRF's `get_ident`: only TRUSTED_PROXY_COUNT entries of
    X-Forwarded-For are trusted, so rotating that header gives no fresh bucket)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
