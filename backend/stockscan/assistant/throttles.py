import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/min" → (20, 60): DRF's notation (s, m, h, d, read from the period's first letter)."""
    number, period = rate.split("/")
    return int(number), _PERIODS[period.strip()[0]]


class AssistantMemberThrottle(BaseThrottle):
    """AI_THROTTLE_RATE questions per member (a user in a tenant), one budget for every process
    and thread: a counter per window in the shared cache (Redis), raised with one atomic
    INCR. DRF's SimpleRateThrottle reads its history and writes it back, so requests arriving
    together on several processes all pass; here exactly the rate gets through. A fixed
    window: at most twice the rate can pass across a window's edge."""

    def allow_request(self, request, view):
        membership = getattr(request, "membership", None)
        if membership is None:
            return True
        allowed, seconds = parse_rate(settings.AI_THROTTLE_RATE)
        now = time.time()
        window = int(now // seconds)
        key = f"throttle:assistant:{membership.tenant_id}:{membership.user_id}:{window}"
        self._wait = (window + 1) * seconds - now
        cache.add(key, 0, seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, seconds + 1)
            count = 1
        return count <= allowed

    def wait(self):
        return max(1, round(self._wait))
