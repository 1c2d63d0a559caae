"""How much of each count limit a tenant uses. Each app registers the counter of the rows it
owns (in its AppConfig.ready), so the entitlements app never imports them."""

from collections import defaultdict
from collections.abc import Callable

from stockscan.entitlements.plans import Limit

_COUNTERS: dict[Limit, list[Callable]] = defaultdict(list)


def register_usage_counter(limit: Limit, counter: Callable) -> None:
    """`counter(tenant) -> int`; several counters for one limit are added up (e.g. users =
    active members + pending invitations)."""
    if counter not in _COUNTERS[limit]:
        _COUNTERS[limit].append(counter)


def counted_limits() -> list[Limit]:
    return [limit for limit in Limit if _COUNTERS.get(limit)]


def count_usage(tenant, limit: Limit) -> int:
    return sum(counter(tenant) for counter in _COUNTERS.get(limit, ()))
