"""`manage.py billing_sync`: every tenant's billing state is re-read from Stripe and corrected
where it drifted (a lost webhook, a change made in Stripe's dashboard)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from stockscan.entitlements.plans import PlanCode
from stockscan.entitlements.services import billing_state_update
from tests.backend.billing.conftest import billing_state, now, plan_of

pytestmark = pytest.mark.django_db


def _sync(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("billing_sync", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def _in_sync_with(stripe_testbed, workspace, subscription):
    stripe_testbed.deliver(stripe_testbed.subscription_event("customer.subscription.created", subscription))


@pytest.fixture
def drifted(stripe_testbed, workspace, other_workspace):
    """Both tenants were active on PRO; Stripe canceled both and the webhooks were lost."""
    subscriptions = {}
    for ws in (workspace, other_workspace):
        subscription = stripe_testbed.subscribe(stripe_testbed.connect(ws), "PRO")
        _in_sync_with(stripe_testbed, ws, subscription)
        stripe_testbed.change(subscription["id"], status="canceled", ended_at=now())
        subscriptions[ws.tenant.pk] = subscription
    return subscriptions


def test_drift_is_corrected_from_stripe(stripe_testbed, drifted, workspace, other_workspace):
    assert plan_of(workspace).code == PlanCode.PRO

    output = _sync()

    assert "2 corrected" in output
    for ws in (workspace, other_workspace):
        assert billing_state(ws).subscription_status == "canceled"
        assert plan_of(ws).code == PlanCode.ESSENTIEL


def test_a_second_run_finds_nothing_to_correct(stripe_testbed, drifted, workspace):
    _sync()

    assert "0 corrected, 2 unchanged" in _sync()


def test_one_tenant_only(stripe_testbed, drifted, workspace, other_workspace):
    output = _sync("--tenant", str(workspace.tenant.pk))

    assert "1 corrected" in output
    assert billing_state(workspace).subscription_status == "canceled"
    assert billing_state(other_workspace).subscription_status == "active", "the other tenant was not asked for"
    [listing] = stripe_testbed.fake.requests_to("GET", "/v1/subscriptions")
    assert listing.params == {"customer": billing_state(workspace).stripe_customer_id, "status": "all", "limit": "100"}


def test_an_unknown_tenant_is_an_error(stripe_testbed, workspace, other_workspace):
    with pytest.raises(CommandError, match="no Stripe customer"):
        _sync("--tenant", str(other_workspace.tenant.pk + 1000))


def test_the_running_subscription_wins_over_ended_ones(stripe_testbed, workspace, other_workspace):
    customer_id = stripe_testbed.connect(workspace)
    stripe_testbed.subscribe(customer_id, "PRO", status="canceled", created=now() - 900)
    running = stripe_testbed.subscribe(customer_id, "BOUTIQUE", created=now() - 600)
    stripe_testbed.subscribe(customer_id, "PRO", status="incomplete_expired", created=now() - 300)

    _sync()

    state = billing_state(workspace)
    assert (state.stripe_subscription_id, state.subscription_plan) == (running["id"], PlanCode.BOUTIQUE)
    assert billing_state(other_workspace).stripe_subscription_id == ""


def test_no_subscription_left_in_stripe_means_no_paid_plan(stripe_testbed, workspace):
    stripe_testbed.connect(workspace)
    billing_state_update(
        tenant=workspace.tenant,
        reason="test",
        subscription_plan=PlanCode.PRO,
        subscription_status="active",
        stripe_subscription_id="sub_gone",
        trial_ends_at=None,
    )

    _sync()

    state = billing_state(workspace)
    assert (state.subscription_status, state.stripe_subscription_id) == ("none", "")
    assert plan_of(workspace).code == PlanCode.ESSENTIEL


def test_stripe_failing_for_one_tenant_does_not_stop_the_others(stripe_testbed, drifted, workspace, other_workspace):
    first, second = sorted((workspace, other_workspace), key=lambda ws: ws.tenant.pk)
    stripe_testbed.fake.fail_next(2)

    with pytest.raises(CommandError, match=str(first.tenant.pk)):
        _sync()

    assert billing_state(first).subscription_status == "active"
    assert billing_state(second).subscription_status == "canceled"


def test_nothing_to_do_while_billing_is_not_configured(stripe_testbed, drifted, workspace):
    stripe_testbed.settings.STRIPE_API_KEY = ""
    calls = len(stripe_testbed.fake.requests)

    assert "not configured" in _sync()
    assert len(stripe_testbed.fake.requests) == calls
