"""The one enforcement API every capability calls before it creates or spends something.

- `require_feature(tenant, Feature.X)` → 403 FEATURE_NOT_INCLUDED
- `check_count_limit(tenant, Limit.MAX_X)` inside the creating transaction → 403 LIMIT_MAX_*
- `with quota_reservation(tenant, Metric.X) as period:` around monthly-quota work → 403
  LIMIT_*_MONTH; the unit is reserved before the work and given back if the work fails
  (`quota_release` gives it back later, for accepted work that fails in a task).
"""

from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from stockscan.entitlements.errors import FeatureNotIncluded, LimitExceeded
from stockscan.entitlements.models import UsageCounter
from stockscan.entitlements.plans import COUNT_LIMITS, QUOTAS, Feature, Limit, Metric
from stockscan.entitlements.selectors import current_period, effective_plan
from stockscan.entitlements.usage import count_usage

if TYPE_CHECKING:  # the tenant model lives on a higher floor (orgs)
    from stockscan.orgs.models import Tenant


def require_feature(tenant: "Tenant", feature: Feature) -> None:
    plan = effective_plan(tenant)
    if not plan.has(feature):
        raise FeatureNotIncluded(feature=feature.value, plan=plan.code.value)


def check_count_limit(tenant: "Tenant", limit: Limit, *, adding: int = 1) -> None:
    """Refuses a creation that would pass the plan's count limit.

    Must run inside the transaction that creates the rows: it locks the tenant row, so two
    concurrent creations are counted one after the other and cannot both take the last seat.
    Rows beyond the limit after a downgrade stay; only new ones are refused.
    """
    cap = effective_plan(tenant).limit(limit)
    if cap is None:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("check_count_limit must run inside the transaction that creates the rows.")
    type(tenant)._default_manager.select_for_update().filter(pk=tenant.pk).values_list("pk", flat=True).first()
    used = count_usage(tenant, limit)
    if used + adding > cap:
        code, _ = COUNT_LIMITS[limit]
        raise LimitExceeded(code=code, limit=cap, used=used)


def _counter(tenant: "Tenant", metric: Metric, period: date):
    return UsageCounter.objects.filter(tenant=tenant, metric=metric.value, period=period)


@contextmanager
def quota_reservation(tenant: "Tenant", metric: Metric):
    """Reserves one unit of a monthly quota for the work in the `with` block.

    The reservation is one conditional UPDATE (`used < limit`), which PostgreSQL evaluates
    against the latest committed row, so under any number of concurrent requests exactly
    `limit` of them get through. If the block raises, the unit is given back.
    """
    limit, code, _ = QUOTAS[metric]
    cap = effective_plan(tenant).limit(limit)
    period = current_period(tenant)
    UsageCounter.objects.bulk_create(
        [UsageCounter(tenant=tenant, metric=metric.value, period=period)], ignore_conflicts=True
    )
    counter = _counter(tenant, metric, period)
    reserved = counter if cap is None else counter.filter(used__lt=cap)
    if not reserved.update(used=F("used") + 1):
        used = counter.values_list("used", flat=True).first() or 0
        raise LimitExceeded(code=code, limit=cap, used=used)
    try:
        yield period
    except BaseException:
        # The queryset built above, not a new one: the block may end after the request's
        # tenant scope has (a streamed download that fails or is cut short).
        _give_back(counter)
        raise


def quota_release(tenant: "Tenant", metric: Metric, period: date) -> None:
    """Gives back one unit reserved in `period`, for work accepted under a reservation that
    fails for good later, outside the `with` block (an emailed export built by a task)."""
    _give_back(_counter(tenant, metric, period))


def _give_back(counter) -> None:
    counter.filter(used__gt=0).update(used=F("used") - 1)
