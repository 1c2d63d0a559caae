"""A tenant's billing state, upserted from a subscription read from Stripe.

Callers lock the tenant's BillingState row (`billing_state_for_update`) *before* they read
the subscription from Stripe and keep the lock until the state is written: two syncs of one
tenant run one after the other, so the one that writes last also read last. On top of that,
`subscription_sync` refuses to go backwards:

- a read made before the state already applied (`stripe_synced_at`) is dropped;
- a customer's subscription replaces the one followed here only if it ranks higher (running
  beats waiting for its first payment, which beats ended) or, at the same rank, Stripe
  created it later (`stripe_subscription_created`): a late event about an old, canceled
  subscription cannot undo the new one.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from stockscan.billing.configuration import plan_for_price
from stockscan.entitlements.models import BillingState, SubscriptionStatus
from stockscan.entitlements.plans import PURCHASABLE_PLANS
from stockscan.entitlements.resolution import DELINQUENT_STATUSES
from stockscan.entitlements.services import billing_state_update

# Statuses in which the subscription's plan applies (past due: during the grace period).
GRANTING_STATUSES = {SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, *DELINQUENT_STATUSES}
_RUNNING_STATUSES = GRANTING_STATUSES | {SubscriptionStatus.PAUSED}
_KNOWN_STATUSES = set(SubscriptionStatus.values) - {SubscriptionStatus.NONE}


class SubscriptionNotUnderstood(Exception):
    """Stripe's subscription cannot be mapped to a plan (a price StockScan does not know):
    a configuration problem, worth retrying once STRIPE_PRICE_* is fixed."""


@dataclass(frozen=True)
class SyncOutcome:
    applied: bool
    changed: bool = False
    note: str = ""


def billing_state_for_update(**lookup) -> BillingState | None:
    """The tenant's billing row, locked until the transaction ends (the tenant row is not)."""
    return (
        BillingState.objects.with_scopes_disabled()
        .select_for_update(of=("self",))
        .select_related("tenant")
        .filter(**lookup)
        .first()
    )


def stripe_id(value) -> str | None:
    """An id field of a Stripe object, whether Stripe sent the id or the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _moment(timestamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=UTC) if timestamp is not None else None


def subscription_is_running(status: str) -> bool:
    return status in _RUNNING_STATUSES


def subscription_rank(status: str) -> int:
    if subscription_is_running(status):
        return 2
    if status == SubscriptionStatus.INCOMPLETE:
        return 1
    return 0


def subscription_plan(subscription: dict) -> str:
    """The highest plan among the subscription's items (`items.data[].price`), or ""."""
    plans = [plan_for_price(item.get("price") or {}) for item in subscription["items"]["data"]]
    known = [plan for plan in plans if plan is not None]
    return max(known, key=PURCHASABLE_PLANS.index).value if known else ""


def subscription_period_end(subscription: dict) -> datetime | None:
    """The period end now lives on each subscription item; the latest one counts."""
    ends = [item["current_period_end"] for item in subscription["items"]["data"] if item.get("current_period_end")]
    return _moment(max(ends)) if ends else None


def subscription_billing_fields(subscription: dict, *, state: BillingState, now: datetime) -> dict:
    status = subscription["status"]
    if status not in _KNOWN_STATUSES:
        raise SubscriptionNotUnderstood(f"subscription {subscription['id']} has an unknown status {status!r}")
    plan = subscription_plan(subscription)
    if not plan and status in GRANTING_STATUSES:
        prices = ", ".join(str((item.get("price") or {}).get("id")) for item in subscription["items"]["data"])
        raise SubscriptionNotUnderstood(
            f"subscription {subscription['id']} sells prices no plan is configured for ({prices}): "
            "set STRIPE_PRICE_<PLAN>_<CYCLE> or give the price a lookup key such as pro_monthly"
        )
    fields = {
        "subscription_plan": plan,
        "subscription_status": status,
        "current_period_end": subscription_period_end(subscription),
        "cancel_at_period_end": bool(subscription.get("cancel_at_period_end")),
        "stripe_subscription_id": subscription["id"],
        "stripe_subscription_created": _moment(subscription.get("created")),
        "past_due_since": None,
    }
    if status in DELINQUENT_STATUSES:
        # Grace starts when the subscription first fell behind, not at each later reminder.
        still_behind = (
            subscription["id"] == state.stripe_subscription_id
            and state.subscription_status in DELINQUENT_STATUSES
            and state.past_due_since is not None
        )
        fields["past_due_since"] = state.past_due_since if still_behind else now
    if status == SubscriptionStatus.TRIALING:
        fields["trial_ends_at"] = _moment(subscription.get("trial_end"))
    elif status != SubscriptionStatus.INCOMPLETE:
        # Once a subscription runs or ends, StockScan's own trial is over; a first payment
        # still pending (incomplete) leaves a running trial alone.
        fields["trial_ends_at"] = None
    return fields


def _older_than_followed(subscription: dict, state: BillingState) -> str:
    if not state.stripe_subscription_id or subscription["id"] == state.stripe_subscription_id:
        return ""
    rank, followed_rank = subscription_rank(subscription["status"]), subscription_rank(state.subscription_status)
    created, followed_created = _moment(subscription.get("created")), state.stripe_subscription_created
    if rank > followed_rank or (
        rank == followed_rank and (followed_created is None or (created and created >= followed_created))
    ):
        return ""
    return (
        f"subscription {subscription['id']} ({subscription['status']}) is older than, or ranks below, the "
        f"followed subscription {state.stripe_subscription_id} ({state.subscription_status}): left alone"
    )


def _changes(state: BillingState, fields: dict) -> bool:
    return any(getattr(state, name) != value for name, value in fields.items())


def subscription_sync(
    *, state: BillingState, subscription: dict, read_at: datetime, reason: str, all_subscriptions_seen: bool = False
) -> SyncOutcome:
    """Upserts the locked `state` from `subscription`, read from Stripe at `read_at`.
    `all_subscriptions_seen`: the caller picked it among all the customer's subscriptions, so
    the followed one has no say."""
    if state.stripe_synced_at is not None and read_at < state.stripe_synced_at:
        return SyncOutcome(applied=False, note="read before the billing state already applied: left alone")
    if stripe_id(subscription.get("customer")) != state.stripe_customer_id:
        return SyncOutcome(applied=False, note=f"subscription {subscription['id']} belongs to another customer")
    if not all_subscriptions_seen and (refusal := _older_than_followed(subscription, state)):
        return SyncOutcome(applied=False, note=refusal)
    fields = subscription_billing_fields(subscription, state=state, now=read_at)
    changed = _changes(state, fields)
    billing_state_update(tenant=state.tenant, reason=reason, stripe_synced_at=read_at, **fields)
    return SyncOutcome(applied=True, changed=changed)


def subscription_absent_sync(*, state: BillingState, read_at: datetime, reason: str) -> SyncOutcome:
    """The customer has no subscription at all in Stripe: nothing may be left that grants a plan."""
    fields = {
        "subscription_plan": "",
        "subscription_status": SubscriptionStatus.NONE,
        "current_period_end": None,
        "cancel_at_period_end": False,
        "past_due_since": None,
        "stripe_subscription_id": "",
        "stripe_subscription_created": None,
    }
    if not _changes(state, fields):
        return SyncOutcome(applied=False, note="no subscription in Stripe")
    billing_state_update(tenant=state.tenant, reason=reason, stripe_synced_at=read_at, **fields)
    return SyncOutcome(applied=True, changed=True)
