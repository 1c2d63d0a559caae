from stockscan.billing.services.sync import subscription_is_running
from stockscan.entitlements.models import BillingState


def _billing_state(tenant) -> BillingState | None:
    return BillingState.objects.with_scopes_disabled().filter(tenant=tenant).first()


def stripe_customer_id(*, tenant) -> str | None:
    state = _billing_state(tenant)
    return state.stripe_customer_id if state else None


def has_running_subscription(*, tenant) -> bool:
    """A subscription that is running (paid, trialing, past due, paused) is changed in the
    portal: a second Checkout would bill the tenant twice."""
    state = _billing_state(tenant)
    return (
        state is not None and bool(state.stripe_subscription_id) and subscription_is_running(state.subscription_status)
    )


def tenant_ids_with_customer(*, tenant_id: int | None = None) -> list[int]:
    states = BillingState.objects.with_scopes_disabled().exclude(stripe_customer_id=None).exclude(stripe_customer_id="")
    if tenant_id is not None:
        states = states.filter(tenant_id=tenant_id)
    return list(states.order_by("tenant_id").values_list("tenant_id", flat=True))
