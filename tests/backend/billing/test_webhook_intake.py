"""The webhook's door: Stripe's signature over the raw body, the event's API version,
insert-first storage, duplicates, event types StockScan does not follow and customers it does
not know."""

import json
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from stockscan.billing.models import StripeEventStatus
from stockscan.entitlements.plans import PlanCode
from tests.backend.billing.conftest import billing_state, now, plan_of, stored_event, stored_events
from tests.backend.core.responses import assert_error
from tests.support import stripe_objects
from tests.support.stripe_signing import webhook_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(stripe_testbed, workspace, other_workspace):
    """Tenant A has a customer and a PRO subscription in Stripe; B has its own customer."""
    customer_id = stripe_testbed.connect(workspace)
    stripe_testbed.connect(other_workspace)
    subscription = stripe_testbed.subscribe(customer_id, "PRO")
    return stripe_testbed.subscription_event("customer.subscription.created", subscription)


def _body(event: dict) -> bytes:
    return json.dumps(event).encode()


def _assert_nothing_happened(stripe_testbed, workspace):
    assert not stored_events().exists()
    assert stripe_testbed.fake.requests == []
    assert billing_state(workspace).subscription_status == "none"


@pytest.mark.parametrize(
    "case",
    ["missing", "wrong-secret", "stale", "tampered-body", "garbage-header", "no-v1-signature", "not-utf8"],
)
def test_a_bad_signature_is_refused_and_nothing_is_stored(stripe_testbed, subscribed, workspace, case):
    body = _body(subscribed)
    signature = {
        "missing": None,
        "wrong-secret": stripe_testbed.sign(body, secret=webhook_secret()),
        "stale": stripe_testbed.sign(body, timestamp=now() - 301),
        "tampered-body": stripe_testbed.sign(body),
        "garbage-header": "t=abc,v1=",
        "no-v1-signature": stripe_testbed.sign(body).replace("v1=", "v0="),
        "not-utf8": None,
    }[case]
    if case == "tampered-body":
        body = body.replace(b'"active"', b'"trialing"')
    if case == "not-utf8":
        body = b"\xff\xfe" + body
        signature = stripe_testbed.sign(body)

    response = stripe_testbed.post_webhook(body, signature)

    assert_error(response, 400, "WEBHOOK_SIGNATURE_INVALID")
    _assert_nothing_happened(stripe_testbed, workspace)


def test_a_signature_within_the_tolerance_is_accepted(stripe_testbed, subscribed, workspace):
    stripe_testbed.deliver(subscribed, timestamp=now() - 290)

    assert stored_event(subscribed).status == StripeEventStatus.PROCESSED


def test_both_secrets_are_accepted_while_the_secret_is_rolled(stripe_testbed, subscribed, workspace):
    new_secret = webhook_secret()
    stripe_testbed.settings.STRIPE_WEBHOOK_SECRETS = [stripe_testbed.webhook_secret, new_secret]
    later = stripe_objects.event("customer.subscription.updated", subscribed["data"]["object"], created=now())
    body = _body(later)
    # During a roll Stripe signs with both secrets: one v1 per secret in the same header.
    both = stripe_testbed.sign(body, secret=new_secret) + "," + stripe_testbed.sign(body).split(",")[1]

    stripe_testbed.deliver(subscribed, secret=new_secret)
    response = stripe_testbed.post_webhook(body, both)

    assert response.status_code == 200
    assert stored_events().count() == 2


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"evt"',
        b'{"type": "invoice.paid"}',
        b'{"id": 42, "type": "invoice.paid"}',
        b'{"id": "evt_1\\u0000", "type": "invoice.paid"}',
        b'{"id": "evt_1", "type": "invoice.paid\\ud800"}',
    ],
    ids=["not-json", "list", "string", "no-id", "id-not-a-string", "nul-in-id", "lone-surrogate-in-type"],
)
def test_a_signed_body_that_is_not_an_event_is_refused(stripe_testbed, workspace, body):
    response = stripe_testbed.post_webhook(body, stripe_testbed.sign(body))

    assert_error(response, 400, "INVALID_EVENT")
    _assert_nothing_happened(stripe_testbed, workspace)


def test_what_postgresql_cannot_hold_in_an_event_is_stored_as_a_replacement_character(stripe_testbed, workspace):
    """JSON can escape a NUL character or a lone surrogate, which jsonb cannot keep: the stored
    copy has U+FFFD instead (Stripe sends neither), never a server error."""
    event = {"id": "evt_nul", "type": "invoice.paid", "data": {"object": {"description": "a\x00b\ud800", "\x00": 1}}}
    body = json.dumps(event).encode()

    response = stripe_testbed.post_webhook(body, stripe_testbed.sign(body))

    assert response.status_code == 200, response.content
    assert stored_event(event).payload["data"] == {"object": {"description": "a\ufffdb\ufffd", "\ufffd": 1}}


def test_without_a_webhook_secret_the_webhook_answers_503_and_stores_nothing(stripe_testbed, subscribed, workspace):
    body = _body(subscribed)
    signature = stripe_testbed.sign(body)
    stripe_testbed.settings.STRIPE_WEBHOOK_SECRETS = []

    response = stripe_testbed.post_webhook(body, signature)

    assert_error(response, 503, "BILLING_NOT_CONFIGURED")
    _assert_nothing_happened(stripe_testbed, workspace)


def test_the_webhook_needs_no_token_and_no_csrf_cookie(stripe_testbed, subscribed, workspace):
    client = APIClient(enforce_csrf_checks=True)
    body = _body(subscribed)

    response = stripe_testbed.post_webhook(body, stripe_testbed.sign(body), client=client)

    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "duplicate": False}


def test_the_event_is_acknowledged_then_processed_by_its_task(
    stripe_testbed, subscribed, workspace, django_capture_on_commit_callbacks
):
    body = _body(subscribed)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = stripe_testbed.post_webhook(body, stripe_testbed.sign(body))
    assert response.status_code == 200
    assert stored_event(subscribed).status == StripeEventStatus.RECEIVED
    assert stripe_testbed.fake.requests == [], "the answer to Stripe does not wait for Stripe"

    for run_task in queued:
        run_task()

    row = stored_event(subscribed)
    assert (row.status, row.attempts, row.tenant_id) == (StripeEventStatus.PROCESSED, 1, workspace.tenant.pk)
    assert row.processed_at is not None
    assert plan_of(workspace).code == PlanCode.PRO
    assert row.payload == subscribed
    assert row.type == "customer.subscription.created"


def test_a_redelivery_is_acknowledged_and_not_processed_again(stripe_testbed, subscribed, workspace):
    first = stripe_testbed.deliver(subscribed)
    again = stripe_testbed.deliver(subscribed, timestamp=now() + 1)

    assert first.json() == {"received": True, "duplicate": False}
    assert again.json() == {"received": True, "duplicate": True}
    row = stored_event(subscribed)
    assert (row.status, row.attempts) == (StripeEventStatus.PROCESSED, 1)
    subscription_id = subscribed["data"]["object"]["id"]
    assert len(stripe_testbed.fake.requests_to("GET", f"/v1/subscriptions/{subscription_id}")) == 1


def test_an_event_type_stockscan_does_not_follow_is_stored_as_ignored(stripe_testbed, subscribed, workspace):
    customer_id = billing_state(workspace).stripe_customer_id
    event = stripe_objects.event("customer.updated", stripe_testbed.fake.customers[customer_id], created=now())

    response = stripe_testbed.deliver(event)

    assert response.json()["duplicate"] is False
    row = stored_event(event)
    assert row.status == StripeEventStatus.IGNORED
    assert row.last_error
    assert stripe_testbed.fake.requests == []


def test_an_event_for_an_unknown_customer_is_stored_and_flagged(stripe_testbed, subscribed, workspace, other_workspace):
    stranger = stripe_testbed.fake.add_customer()
    subscription = stripe_testbed.subscribe(stranger, "PRO")
    event = stripe_testbed.subscription_event("customer.subscription.created", subscription)

    stripe_testbed.deliver(event)

    row = stored_event(event)
    assert (row.status, row.tenant_id) == (StripeEventStatus.IGNORED, None)
    assert stranger in row.last_error
    assert stripe_testbed.fake.requests == []
    assert billing_state(workspace).subscription_status == billing_state(other_workspace).subscription_status == "none"


@pytest.mark.parametrize("case", ["invoice-without-subscription", "payment-mode-checkout", "no-object"])
def test_events_with_nothing_to_sync_are_ignored(stripe_testbed, subscribed, workspace, case):
    customer_id = billing_state(workspace).stripe_customer_id
    if case == "invoice-without-subscription":
        event = stripe_objects.event(
            "invoice.paid", stripe_objects.invoice(customer=customer_id, subscription_id=None), created=now()
        )
    elif case == "payment-mode-checkout":
        session = stripe_objects.checkout_session(customer=customer_id, tenant_id=1, subscription_id=None)
        stripe_testbed.fake.put_checkout_session({**session, "mode": "payment", "status": "complete"})
        event = stripe_objects.event("checkout.session.completed", session, created=now())
    else:
        event = {**subscribed, "id": stripe_objects.new_id("evt"), "data": {}}

    stripe_testbed.deliver(event)

    assert stored_event(event).status == StripeEventStatus.IGNORED
    assert billing_state(workspace).subscription_status == "none"


def _invoice_paid_in_an_older_api_version(customer_id: str, subscription_id: str, api_version) -> dict:
    """An invoice as versions before 2025-03-31 rendered it: the subscription at the top
    level, no `parent` (the current handler would find no subscription in it)."""
    invoice = stripe_objects.invoice(customer=customer_id, subscription_id=None)
    invoice["subscription"] = subscription_id
    event = stripe_objects.event("invoice.paid", invoice, created=now())
    event["api_version"] = api_version
    return event


@pytest.mark.parametrize("api_version", ["2024-06-20", None], ids=["older-version", "no-version"])
def test_an_event_of_another_api_version_is_kept_failed_and_never_processed(
    stripe_testbed, workspace, other_workspace, admin_client, django_capture_on_commit_callbacks, caplog, api_version
):
    customer_id = stripe_testbed.connect(workspace)
    stripe_testbed.connect(other_workspace)
    subscription = stripe_testbed.subscribe(customer_id, "PRO")
    event = _invoice_paid_in_an_older_api_version(customer_id, subscription["id"], api_version)

    with caplog.at_level(logging.ERROR, logger="stockscan.billing"):
        response = stripe_testbed.deliver(event)

    # Acknowledged (Stripe would only redeliver the same payload), kept for staff, and loud.
    assert response.json() == {"received": True, "duplicate": False}
    row = stored_event(event)
    assert (row.status, row.attempts, row.next_attempt_at) == (StripeEventStatus.FAILED, 0, None)
    assert repr(api_version) in row.last_error
    assert "2026-07-29.dahlia" in row.last_error
    assert event["id"] in caplog.text
    assert stripe_testbed.fake.requests == [], "its payload is not read, Stripe is not asked"
    assert billing_state(workspace).subscription_status == "none"

    assert stripe_testbed.deliver(event, timestamp=now() + 1).json()["duplicate"] is True
    call_command("run_due_work", stdout=StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/billing/stripeevent/", {"action": "reprocess", "_selected_action": [row.pk]})
    assert (stored_event(event).status, stored_event(event).attempts) == (StripeEventStatus.FAILED, 0)
    assert stripe_testbed.fake.requests == []
    assert plan_of(workspace).code != PlanCode.PRO
    assert stored_events().count() == 1
