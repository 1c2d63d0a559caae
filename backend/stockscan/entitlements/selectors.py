from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from stockscan.entitlements.models import UsageCounter
from stockscan.entitlements.plans import COUNT_LIMITS, QUOTAS, Metric
from stockscan.entitlements.resolution import EffectivePlan, resolve_effective_plan
from stockscan.entitlements.usage import count_usage, counted_limits

if TYPE_CHECKING:  # the tenant model lives on a higher floor (orgs)
    from stockscan.orgs.models import Tenant

_MEMO = "_effective_plan"


# What the plan is computed from: a query loading a tenant with these (select_related
# "tenant__billing_state"…) can hand them to `remember_effective_plan` and spare a query.
PLAN_RELATIONS = ("billing_state", "plan_override")


def effective_plan(tenant: "Tenant") -> EffectivePlan:
    """The tenant's plan now. One query (billing state and override joined), then memoised
    on the tenant object, which lives as long as the request or task that loaded it."""
    cached = tenant.__dict__.get(_MEMO)
    if cached is not None:
        return cached
    return remember_effective_plan(
        type(tenant)._default_manager.select_related(*PLAN_RELATIONS).get(pk=tenant.pk), memo=tenant
    )


def remember_effective_plan(loaded: "Tenant", *, memo: "Tenant | None" = None) -> EffectivePlan:
    """Resolve the plan from a tenant just loaded with PLAN_RELATIONS, and memoise it on
    `memo` (the loaded tenant itself by default)."""
    plan = resolve_effective_plan(
        billing=_related_or_none(loaded, "billing_state"),
        override=_related_or_none(loaded, "plan_override"),
        now=timezone.now(),
    )
    (memo or loaded).__dict__[_MEMO] = plan
    return plan


def forget_effective_plan(tenant: "Tenant") -> None:
    tenant.__dict__.pop(_MEMO, None)


def _related_or_none(row, name):
    try:
        return getattr(row, name)
    except ObjectDoesNotExist:
        return None


def current_period(tenant: "Tenant") -> date:
    """The first day of the tenant's current month, in its own time zone."""
    return tenant.today().replace(day=1)


def monthly_usage(tenant: "Tenant") -> dict[Metric, int]:
    used = dict(UsageCounter.objects.filter(tenant=tenant, period=current_period(tenant)).values_list("metric", "used"))
    return {metric: used.get(metric.value, 0) for metric in Metric}


def entitlements_summary(tenant: "Tenant") -> dict:
    plan = effective_plan(tenant)
    usage, over_limit = {}, {}
    for limit in counted_limits():
        _, usage_key = COUNT_LIMITS[limit]
        usage[usage_key] = count_usage(tenant, limit)
        cap = plan.limit(limit)
        over_limit[limit.value] = cap is not None and usage[usage_key] > cap
    for metric, used in monthly_usage(tenant).items():
        limit, _, usage_key = QUOTAS[metric]
        usage[usage_key] = used
        cap = plan.limit(limit)
        over_limit[limit.value] = cap is not None and used > cap
    return {
        "plan_effective": plan.code.value,
        "plan_source": plan.source.value,
        "expires_at": plan.expires_at,
        "subscription_status": plan.subscription_status,
        "cancel_at_period_end": plan.cancel_at_period_end,
        "trial_ends_at": plan.trial_ends_at,
        "grace_ends_at": plan.grace_ends_at,
        "entitlements": sorted(feature.value for feature in plan.features),
        "limits": {limit.value: value for limit, value in plan.limits.items()},
        "usage": usage,
        "over_limit": over_limit,
    }
