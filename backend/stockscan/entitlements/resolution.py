"""The effective plan: derived from the billing facts, staff's override and the clock.

Pure functions, so every case (trial start and end, active, past due inside and after the
grace period, canceled, manual, lifetime, overrides) is decided in one readable place.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from django.conf import settings

from stockscan.entitlements.models import BillingState, PlanGrant, SubscriptionStatus, TenantPlanOverride
from stockscan.entitlements.plans import FREE_PLAN, PLANS, TRIAL_PLAN, Feature, Limit, PlanCode, PlanSource

PAID_STATUSES = {SubscriptionStatus.ACTIVE}
DELINQUENT_STATUSES = {SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID}


@dataclass(frozen=True)
class EffectivePlan:
    code: PlanCode
    source: PlanSource
    expires_at: datetime | None
    subscription_status: str
    cancel_at_period_end: bool
    trial_ends_at: datetime | None
    grace_ends_at: datetime | None
    limits: MappingProxyType
    features: frozenset[Feature]

    def limit(self, limit: Limit) -> int | None:
        return self.limits[limit]

    def has(self, feature: Feature) -> bool:
        return feature in self.features


def grace_end(billing: BillingState) -> datetime | None:
    if billing.past_due_since is None:
        return None
    return billing.past_due_since + timedelta(days=settings.BILLING_GRACE_DAYS)


def _base_plan(billing: BillingState | None, now: datetime) -> tuple[PlanCode, PlanSource, datetime | None]:
    if billing is None:
        return FREE_PLAN, PlanSource.FREE, None
    status = billing.subscription_status
    plan = PlanCode(billing.subscription_plan) if billing.subscription_plan else None
    if plan is not None:
        if status in PAID_STATUSES:
            return plan, PlanSource.STRIPE, billing.current_period_end
        if status == SubscriptionStatus.TRIALING:
            return plan, PlanSource.TRIAL, billing.trial_ends_at or billing.current_period_end
        if status in DELINQUENT_STATUSES:
            ends = grace_end(billing)
            if ends is not None and now < ends:
                return plan, PlanSource.STRIPE, ends
        # canceled, incomplete, incomplete_expired, paused, or grace over: no paid plan.
    if billing.trial_ends_at and now < billing.trial_ends_at and status not in DELINQUENT_STATUSES:
        return TRIAL_PLAN, PlanSource.TRIAL, billing.trial_ends_at
    return FREE_PLAN, PlanSource.FREE, None


def _override_applies(override: TenantPlanOverride | None, now: datetime) -> bool:
    if override is None:
        return False
    if override.grant == PlanGrant.LIFETIME:
        return True
    return override.expires_at is None or now < override.expires_at


def resolve_effective_plan(
    *, billing: BillingState | None, override: TenantPlanOverride | None, now: datetime
) -> EffectivePlan:
    code, source, expires_at = _base_plan(billing, now)
    limits = dict(PLANS[code].limits)
    features = set(PLANS[code].features)

    if _override_applies(override, now):
        if override.grant and override.plan:
            code = PlanCode(override.plan)
            source = PlanSource.LIFETIME if override.grant == PlanGrant.LIFETIME else PlanSource.MANUAL
            expires_at = None if override.grant == PlanGrant.LIFETIME else override.expires_at
            limits = dict(PLANS[code].limits)
            features = set(PLANS[code].features)
        limits.update({Limit(name): value for name, value in override.limits.items()})
        features |= {Feature(name) for name in override.features_added}
        features -= {Feature(name) for name in override.features_removed}

    return EffectivePlan(
        code=code,
        source=source,
        expires_at=expires_at,
        subscription_status=billing.subscription_status if billing else SubscriptionStatus.NONE,
        cancel_at_period_end=bool(billing and billing.cancel_at_period_end),
        trial_ends_at=billing.trial_ends_at if billing else None,
        grace_ends_at=grace_end(billing) if billing else None,
        limits=MappingProxyType(limits),
        features=frozenset(features),
    )
