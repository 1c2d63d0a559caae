"""The one throttle mechanism (core.throttling): exactly the rate passes in a window, even
when the requests arrive together on many threads; the answer says when to come back."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.core.cache import cache

from stockscan.core.throttling import AtomicRateThrottle, parse_rate


class FivePerMinute(AtomicRateThrottle):
    scope = "test"

    def get_rate(self):
        return "5/min"

    def get_cache_key(self, request, view):
        return "throttle:test:one-client"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_requests_arriving_together_pass_exactly_at_the_rate():
    start = Barrier(20)

    def ask(_index):
        throttle = FivePerMinute()
        start.wait()
        return throttle.allow_request(request=None, view=None)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(ask, range(20)))

    assert answers.count(True) == 5


def test_a_refused_request_is_told_when_the_window_ends():
    throttles = [FivePerMinute() for _ in range(6)]
    answers = [throttle.allow_request(request=None, view=None) for throttle in throttles]

    assert answers == [True] * 5 + [False]
    assert 1 <= throttles[-1].wait() <= 60


@pytest.mark.parametrize(("rate", "parsed"), [("20/min", (20, 60)), ("5/hour", (5, 3600)), ("1/s", (1, 1))])
def test_rates_are_read_in_drfs_notation(rate, parsed):
    assert parse_rate(rate) == parsed
