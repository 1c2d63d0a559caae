"""Exactly once under real concurrency, on PostgreSQL: simultaneous deliveries of one event,
simultaneous runs of one stored event, and simultaneous checkouts of one tenant (real
threads and transactions against the fake Stripe server)."""

import json

import pytest
from django.db import connection
from rest_framework.test import APIClient

from stockscan.billing.models import StripeEvent, StripeEventStatus
from stockscan.billing.services.events import stripe_event_process
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role
from tests.backend.billing.conftest import CHECKOUT_URL, WEBHOOK_URL, billing_state, plan_of, stored_event
from tests.conftest import client_for, make_workspace
from tests.support.concurrency import run_concurrently

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"
    ),
]


@pytest.fixture
def tenants(stripe_testbed):
    """Tenant A with a PRO subscription in Stripe; tenant B, with its own customer, stays aside."""
    workspace, other = make_workspace("Concurrent"), make_workspace("Other tenant")
    customer_id = stripe_testbed.connect(workspace)
    stripe_testbed.connect(other)
    subscription = stripe_testbed.subscribe(customer_id, "PRO")
    event = stripe_testbed.subscription_event("customer.subscription.created", subscription)
    return workspace, other, event


def test_twenty_simultaneous_deliveries_of_one_event_are_processed_once(stripe_testbed, tenants):
    workspace, other, event = tenants
    body = json.dumps(event).encode()
    signature = stripe_testbed.sign(body)
    stripe_testbed.fake.latency = 0.05

    def deliver(_):
        response = APIClient().generic(
            "POST", WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        return response.status_code, response.json()

    results = run_concurrently(20, deliver)

    assert all(isinstance(result, tuple) and result[0] == 200 for result in results), results
    assert sorted(answer["duplicate"] for _, answer in results) == [False] + [True] * 19
    row = stored_event(event)
    assert (row.status, row.attempts) == (StripeEventStatus.PROCESSED, 1)
    subscription_id = event["data"]["object"]["id"]
    assert len(stripe_testbed.fake.requests_to("GET", f"/v1/subscriptions/{subscription_id}")) == 1
    assert StripeEvent.objects.with_scopes_disabled().count() == 1
    assert plan_of(workspace).code == PlanCode.PRO
    assert billing_state(other).subscription_status == "none"


def test_one_stored_event_run_by_ten_workers_at_once_runs_once(stripe_testbed, tenants):
    workspace, other, event = tenants
    stored = StripeEvent.objects.with_scopes_disabled().create(
        stripe_event_id=event["id"], type=event["type"], payload=event
    )
    stripe_testbed.fake.latency = 0.05

    results = run_concurrently(10, lambda _: stripe_event_process(event_id=stored.pk))

    ran = [result for result in results if result is not None]
    assert len(ran) == 1, results
    assert not any(isinstance(result, Exception) for result in results), results
    row = stored_event(event)
    assert (row.status, row.attempts) == (StripeEventStatus.PROCESSED, 1)
    assert len(stripe_testbed.fake.requests_to("GET", "/v1/subscriptions/*")) == 1
    assert plan_of(workspace).code == PlanCode.PRO
    assert billing_state(other).subscription_status == "none"


def test_ten_concurrent_checkouts_create_one_stripe_customer_and_one_page(stripe_testbed):
    workspace, other = make_workspace("Ten clicks"), make_workspace("Other tenant")
    owner = workspace.user(Role.OWNER)
    # A realistic round trip keeps the first creation in flight while the other clicks arrive.
    stripe_testbed.fake.latency = 0.2

    def checkout(_):
        response = client_for(owner).post(CHECKOUT_URL, {"plan": "PRO", "cycle": "MONTHLY"}, format="json")
        return response.status_code, response.json()

    results = run_concurrently(10, checkout)

    assert all(isinstance(result, tuple) and result[0] == 200 for result in results), results
    customer_id = billing_state(workspace).stripe_customer_id
    assert list(stripe_testbed.fake.customers) == [customer_id]
    assert len(stripe_testbed.fake.requests_to("POST", "/v1/customers")) == 1
    [session_call] = stripe_testbed.fake.requests_to("POST", "/v1/checkout/sessions")
    assert session_call.params["customer"] == customer_id
    [session] = stripe_testbed.fake.checkout_sessions.values()
    assert {answer["url"] for _, answer in results} == {session["url"]}
    assert billing_state(other).stripe_customer_id is None


def test_concurrent_checkouts_for_different_plans_leave_one_payable_page(stripe_testbed):
    """Two owners, or two tabs, choosing different plans at once: each page could start its
    own subscription, so only the last one opened may stay open."""
    workspace, other = make_workspace("Two tabs"), make_workspace("Other tenant")
    owner = workspace.user(Role.OWNER)
    client_for(other.user(Role.OWNER)).post(CHECKOUT_URL, {"plan": "PRO", "cycle": "MONTHLY"}, format="json")
    stripe_testbed.fake.latency = 0.05
    choices = [("PRO", "MONTHLY"), ("BOUTIQUE", "YEARLY"), ("PRO", "YEARLY")]

    def checkout(index):
        plan, cycle = choices[index % len(choices)]
        response = client_for(owner).post(CHECKOUT_URL, {"plan": plan, "cycle": cycle}, format="json")
        return response.status_code, response.json()

    results = run_concurrently(6, checkout)

    assert all(isinstance(result, tuple) and result[0] == 200 for result in results), results
    customer_id = billing_state(workspace).stripe_customer_id
    open_pages = [
        session
        for session in stripe_testbed.fake.checkout_sessions.values()
        if session["customer"] == customer_id and session["status"] == "open"
    ]
    assert [session["id"] for session in open_pages] == [billing_state(workspace).stripe_checkout_session_id]
    other_pages = [
        session
        for session in stripe_testbed.fake.checkout_sessions.values()
        if session["customer"] == billing_state(other).stripe_customer_id
    ]
    assert [session["status"] for session in other_pages] == ["open"]
