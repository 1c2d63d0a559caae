from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.core.audit import audit_record
from stockscan.entitlements.models import BillingState, TenantPlanOverride
from stockscan.entitlements.selectors import effective_plan, forget_effective_plan

BILLING_FIELDS = (
    "trial_ends_at",
    "subscription_plan",
    "subscription_status",
    "current_period_end",
    "cancel_at_period_end",
    "past_due_since",
    "stripe_customer_id",
    "stripe_subscription_id",
    "stripe_checkout_session_id",
    "stripe_subscription_created",
    "stripe_synced_at",
)


def _plan_snapshot(tenant) -> dict:
    forget_effective_plan(tenant)
    plan = effective_plan(tenant)
    return {"plan": plan.code.value, "source": plan.source.value}


def billing_state_start_trial(*, tenant) -> BillingState:
    """A new tenant starts with a trial of the paid plan (TRIAL_DAYS)."""
    return BillingState.objects.with_scopes_disabled().create(
        tenant=tenant, trial_ends_at=timezone.now() + timedelta(days=settings.TRIAL_DAYS)
    )


@transaction.atomic
def billing_state_update(*, tenant, actor=None, reason: str, **changes) -> BillingState:
    """The one writer of billing facts (the billing app calls it from Stripe's news).
    Locks the row; writes an audit entry when the effective plan changes."""
    unknown = set(changes) - set(BILLING_FIELDS)
    if unknown:
        raise ValueError(f"Not billing fields: {sorted(unknown)}")
    before = _plan_snapshot(tenant)
    state, _ = BillingState.objects.with_scopes_disabled().select_for_update().get_or_create(tenant=tenant)
    for field, value in changes.items():
        setattr(state, field, value)
    state.save()
    after = _plan_snapshot(tenant)
    if before != after:
        audit_record(
            tenant_id=tenant.pk,
            actor=actor,
            action="plan.changed",
            target=state,
            before=before,
            after={**after, "reason": reason},
        )
    return state


@transaction.atomic
def plan_override_save(*, override: TenantPlanOverride, actor) -> TenantPlanOverride:
    """Saves staff's override (admin) with an audit entry of the override and the plan.
    Staff act across tenants, hence no tenant scope here."""
    tenant = override.tenant
    with scopes_disabled():
        previous = TenantPlanOverride.objects.filter(pk=override.pk).first()
        before = {**_override_fields(previous), **_plan_snapshot(tenant)}
        override.full_clean()
        override.save()
    after = {**_override_fields(override), **_plan_snapshot(tenant)}
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="plan.override_saved", target=override, before=before, after=after
    )
    return override


def _override_fields(override: TenantPlanOverride | None) -> dict:
    if override is None:
        return {}
    return {
        "grant": override.grant,
        "override_plan": override.plan,
        "expires_at": override.expires_at.isoformat() if override.expires_at else None,
        "limits": override.limits,
        "features_added": override.features_added,
        "features_removed": override.features_removed,
    }
