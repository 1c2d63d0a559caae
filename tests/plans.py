"""Put a test tenant on a plan the way production does: through the billing state writer."""

from datetime import timedelta

from django.utils import timezone

from stockscan.entitlements.models import SubscriptionStatus
from stockscan.entitlements.plans import PlanCode
from stockscan.entitlements.selectors import forget_effective_plan
from stockscan.entitlements.services import billing_state_update


def set_plan(tenant, code: str, *, status: str = SubscriptionStatus.ACTIVE, **changes):
    """An active Stripe subscription to `code` (ESSENTIEL: no subscription, trial over)."""
    if code == PlanCode.ESSENTIEL:
        fields = {"subscription_plan": "", "subscription_status": SubscriptionStatus.CANCELED, "trial_ends_at": None}
    else:
        fields = {
            "subscription_plan": code,
            "subscription_status": status,
            "current_period_end": timezone.now() + timedelta(days=30),
        }
    billing_state_update(tenant=tenant, reason="test", **{**fields, **changes})
    forget_effective_plan(tenant)
