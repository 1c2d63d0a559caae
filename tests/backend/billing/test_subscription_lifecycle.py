"""From Stripe's events to the tenant's plan: the whole life of a subscription, each status,
and events arriving late, twice or out of order. Each event is signed, posted to the webhook
and processed by its task; handlers re-read the subscription from (fake) Stripe."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from stockscan.billing.models import StripeEventStatus
from stockscan.billing.services.sync import subscription_sync
from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import PlanCode, PlanSource
from tests.backend.billing.conftest import CHECKOUT_URL, billing_state, now, plan_of, stored_event, stored_events
from tests.support import stripe_objects

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _moment(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _entitlements(workspace) -> dict:
    response = workspace.client().get("/api/auth/me/org/entitlements")
    assert response.status_code == 200
    return response.json()


def test_full_lifecycle(stripe_testbed, workspace, other_workspace):
    tb = stripe_testbed
    other_customer = tb.connect(other_workspace)
    tb.deliver(tb.subscription_event("customer.subscription.created", tb.subscribe(other_customer, "BOUTIQUE")))
    start = timezone.now()

    # Checkout: the owner pays for PRO; Stripe completes the session with a new subscription.
    assert workspace.client().post(CHECKOUT_URL, {"plan": "PRO", "cycle": "MONTHLY"}, format="json").status_code == 200
    customer_id = billing_state(workspace).stripe_customer_id
    [session] = tb.fake.checkout_sessions.values()
    subscription = tb.subscribe(customer_id, "PRO")
    completed = tb.fake.put_checkout_session(
        {**session, "status": "complete", "payment_status": "paid", "subscription": subscription["id"], "url": None}
    )
    tb.deliver(stripe_objects.event("checkout.session.completed", completed, created=now()))

    state = billing_state(workspace)
    assert (plan_of(workspace).code, plan_of(workspace).source) == (PlanCode.PRO, PlanSource.STRIPE)
    assert state.stripe_subscription_id == subscription["id"]
    assert state.current_period_end == _moment(subscription["items"]["data"][0]["current_period_end"])
    assert state.trial_ends_at is None, "subscribing ends StockScan's own trial"
    entitlements = _entitlements(workspace)
    assert (entitlements["plan_effective"], entitlements["subscription_status"]) == ("PRO", "active")

    # The renewal payment fails: past due, the plan is kept for the grace period.
    with time_machine.travel(start + 30 * DAY, tick=True):
        tb.change(subscription["id"], status="past_due")
        failed = stripe_objects.invoice(customer=customer_id, subscription_id=subscription["id"], status="open")
        tb.deliver(stripe_objects.event("invoice.payment_failed", failed, created=now()))
        fell_behind = billing_state(workspace).past_due_since
        assert fell_behind is not None
        assert plan_of(workspace).code == PlanCode.PRO
        assert plan_of(workspace).grace_ends_at == fell_behind + 7 * DAY

    # Stripe's retry fails again three days later: the grace period does not start over.
    with time_machine.travel(start + 33 * DAY, tick=True):
        again = stripe_objects.invoice(customer=customer_id, subscription_id=subscription["id"], status="open")
        tb.deliver(stripe_objects.event("invoice.payment_failed", again, created=now()))
        assert billing_state(workspace).past_due_since == fell_behind
        assert plan_of(workspace).code == PlanCode.PRO

    # Grace over: back to the free plan, nothing deleted.
    with time_machine.travel(start + 38 * DAY, tick=True):
        assert (plan_of(workspace).code, plan_of(workspace).source) == (PlanCode.ESSENTIEL, PlanSource.FREE)
        assert _entitlements(workspace)["plan_effective"] == "ESSENTIEL"

    # The customer updates the card; the invoice is paid: PRO again.
    with time_machine.travel(start + 39 * DAY, tick=True):
        tb.change(subscription["id"], status="active")
        paid = stripe_objects.invoice(customer=customer_id, subscription_id=subscription["id"], status="paid")
        tb.deliver(stripe_objects.event("invoice.paid", paid, created=now()))
        assert plan_of(workspace).code == PlanCode.PRO
        assert billing_state(workspace).past_due_since is None

    # Cancel at the period's end: still PRO until then, and the app can say so.
    with time_machine.travel(start + 40 * DAY, tick=True):
        updated = tb.change(subscription["id"], cancel_at_period_end=True)
        tb.deliver(tb.subscription_event("customer.subscription.updated", updated))
        assert plan_of(workspace).code == PlanCode.PRO
        assert _entitlements(workspace)["cancel_at_period_end"] is True

    # The period ends and Stripe deletes the subscription.
    with time_machine.travel(start + 60 * DAY, tick=True):
        deleted = tb.change(subscription["id"], status="canceled", ended_at=now())
        tb.deliver(tb.subscription_event("customer.subscription.deleted", deleted))
        assert (plan_of(workspace).code, plan_of(workspace).source) == (PlanCode.ESSENTIEL, PlanSource.FREE)
        assert billing_state(workspace).subscription_status == "canceled"

    # Every plan change is in the audit log with the Stripe event that caused it.
    changes = AuditEntry.objects.with_scopes_disabled().filter(tenant=workspace.tenant, action="plan.changed")
    reasons = [entry.after["reason"] for entry in changes.order_by("created_at", "id")]
    assert [reason.split()[1] for reason in reasons] == [
        "checkout.session.completed",
        "invoice.paid",
        "customer.subscription.deleted",
    ]
    assert stored_events(tenant=workspace.tenant).exclude(status=StripeEventStatus.PROCESSED).count() == 0
    assert stored_events(tenant=workspace.tenant).count() == 6
    assert plan_of(other_workspace).code == PlanCode.BOUTIQUE
    assert stored_events(tenant=other_workspace.tenant).count() == 1


def test_a_new_subscription_after_a_canceled_one_takes_over(stripe_testbed, workspace, other_workspace):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    old = tb.subscribe(customer_id, "PRO", status="canceled", created=now() - 90 * 86400)
    tb.deliver(tb.subscription_event("customer.subscription.deleted", old))
    assert plan_of(workspace).code == PlanCode.ESSENTIEL

    new = tb.subscribe(customer_id, "BOUTIQUE")
    tb.deliver(tb.subscription_event("customer.subscription.created", new))

    assert billing_state(workspace).stripe_subscription_id == new["id"]
    assert (plan_of(workspace).code, plan_of(workspace).source) == (PlanCode.BOUTIQUE, PlanSource.STRIPE)
    assert plan_of(other_workspace).source == PlanSource.TRIAL


TRIAL_RUNNING = "trial-running"


@pytest.mark.parametrize(
    ("status", "expected_plan", "expected_source"),
    [
        ("active", PlanCode.PRO, PlanSource.STRIPE),
        ("trialing", PlanCode.PRO, PlanSource.TRIAL),
        ("past_due", PlanCode.PRO, PlanSource.STRIPE),
        ("unpaid", PlanCode.PRO, PlanSource.STRIPE),
        ("canceled", PlanCode.ESSENTIEL, PlanSource.FREE),
        ("incomplete_expired", PlanCode.ESSENTIEL, PlanSource.FREE),
        ("paused", PlanCode.ESSENTIEL, PlanSource.FREE),
        # No paid plan until the first payment goes through; StockScan's own trial goes on.
        ("incomplete", PlanCode.BOUTIQUE, PlanSource.TRIAL),
    ],
)
def test_each_stripe_status_decides_the_plan(
    stripe_testbed, workspace, other_workspace, status, expected_plan, expected_source
):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    trial_end = now() + 10 * 86400 if status == "trialing" else None
    subscription = tb.subscribe(customer_id, "PRO", status=status, trial_end=trial_end)

    tb.deliver(tb.subscription_event("customer.subscription.updated", subscription))

    plan = plan_of(workspace)
    assert (plan.code, plan.source) == (expected_plan, expected_source)
    state = billing_state(workspace)
    assert state.subscription_status == status
    assert (state.past_due_since is not None) is (status in ("past_due", "unpaid"))
    if status == "trialing":
        assert state.trial_ends_at == _moment(trial_end)
    assert plan_of(other_workspace).source == PlanSource.TRIAL


def test_updated_before_created_ends_active(stripe_testbed, workspace):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    created_copy = tb.subscribe(customer_id, "PRO", status="incomplete")
    created_event = tb.subscription_event("customer.subscription.created", created_copy)
    active = tb.change(created_copy["id"], status="active")
    updated_event = tb.subscription_event("customer.subscription.updated", active)

    tb.deliver(updated_event)
    tb.deliver(created_event)  # late, carrying the old "incomplete" copy

    assert billing_state(workspace).subscription_status == "active"
    assert (plan_of(workspace).code, plan_of(workspace).source) == (PlanCode.PRO, PlanSource.STRIPE)
    assert {stored_event(e).status for e in (created_event, updated_event)} == {StripeEventStatus.PROCESSED}
    assert len(tb.fake.requests_to("GET", f"/v1/subscriptions/{active['id']}")) == 2


def test_a_stale_update_after_deletion_keeps_canceled(stripe_testbed, workspace):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    subscription = tb.subscribe(customer_id, "PRO")
    stale_update = tb.subscription_event("customer.subscription.updated", subscription)
    deleted = tb.change(subscription["id"], status="canceled", ended_at=now())

    tb.deliver(tb.subscription_event("customer.subscription.deleted", deleted))
    tb.deliver(stale_update)  # Stripe retried an older delivery

    assert billing_state(workspace).subscription_status == "canceled"
    assert plan_of(workspace).code == PlanCode.ESSENTIEL


def test_a_late_event_about_an_older_subscription_never_undoes_the_current_one(stripe_testbed, workspace):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    old = tb.subscribe(customer_id, "BOUTIQUE", status="canceled", created=now() - 400 * 86400)
    current = tb.subscribe(customer_id, "PRO")
    tb.deliver(tb.subscription_event("customer.subscription.created", current))
    late = tb.subscription_event("customer.subscription.deleted", old)

    tb.deliver(late)

    state = billing_state(workspace)
    assert (state.stripe_subscription_id, state.subscription_status) == (current["id"], "active")
    assert plan_of(workspace).code == PlanCode.PRO
    row = stored_event(late)
    assert row.status == StripeEventStatus.IGNORED
    assert old["id"] in row.last_error and "older" in row.last_error


def test_a_read_older_than_the_applied_state_is_dropped(stripe_testbed, workspace):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    subscription = tb.subscribe(customer_id, "PRO")
    tb.deliver(tb.subscription_event("customer.subscription.created", subscription))
    applied_at = billing_state(workspace).stripe_synced_at

    outcome = subscription_sync(
        state=billing_state(workspace),
        subscription={**subscription, "status": "canceled"},
        read_at=applied_at - timedelta(seconds=1),
        reason="test",
    )

    assert not outcome.applied
    assert billing_state(workspace).subscription_status == "active"


def test_the_plan_comes_from_the_price_lookup_key_when_the_id_is_not_configured(stripe_testbed, workspace):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    subscription = tb.fake.put_subscription(
        stripe_objects.subscription(
            customer=customer_id, price="price_new_boutique", lookup_key="boutique_yearly", created=now()
        )
    )

    tb.deliver(tb.subscription_event("customer.subscription.created", subscription))

    assert billing_state(workspace).subscription_plan == PlanCode.BOUTIQUE


def test_a_price_no_plan_is_configured_for_fails_the_event_for_a_retry(stripe_testbed, workspace):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    subscription = tb.fake.put_subscription(
        stripe_objects.subscription(customer=customer_id, price="price_unknown", created=now())
    )
    event = tb.subscription_event("customer.subscription.created", subscription)

    tb.deliver(event)

    row = stored_event(event)
    assert (row.status, row.attempts) == (StripeEventStatus.RECEIVED, 1)
    assert "price_unknown" in row.last_error
    assert row.next_attempt_at is not None
    assert billing_state(workspace).subscription_status == "none"


def test_the_highest_plan_of_several_items_counts(stripe_testbed, workspace):
    tb = stripe_testbed
    customer_id = tb.connect(workspace)
    subscription = tb.subscribe(customer_id, "BOUTIQUE")
    extra_item = {**subscription["items"]["data"][0], "id": "si_extra"}
    extra_item["price"] = {**extra_item["price"], "id": tb.price("PRO", "YEARLY")}
    extra_item["current_period_end"] += 86400
    tb.change(subscription["id"], items={**subscription["items"], "data": [*subscription["items"]["data"], extra_item]})

    tb.deliver(tb.subscription_event("customer.subscription.updated", subscription))

    state = billing_state(workspace)
    assert state.subscription_plan == PlanCode.PRO
    assert state.current_period_end == _moment(extra_item["current_period_end"])
