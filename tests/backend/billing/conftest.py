"""Billing tests talk to a local fake Stripe (tests/support/fake_stripe.py) through the real
`stripe` SDK: only the HTTP boundary is replaced. Webhooks are signed with Stripe's scheme
and a secret made at run time."""

import json
import secrets
import time
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from stockscan.billing.models import StripeEvent
from stockscan.entitlements.models import BillingState
from stockscan.entitlements.selectors import effective_plan, forget_effective_plan
from stockscan.entitlements.services import billing_state_update
from tests.conftest import Workspace
from tests.support import stripe_objects
from tests.support.fake_stripe import FakeStripe
from tests.support.stripe_signing import signature_header, webhook_secret

WEBHOOK_URL = "/api/auth/billing/webhook/"
CHECKOUT_URL = "/api/auth/billing/checkout/"
PORTAL_URL = "/api/auth/billing/portal/"
FRONTEND = "https://app.stockscan.test"


def now() -> int:
    return int(time.time())


@dataclass
class StripeTestbed:
    fake: FakeStripe
    settings: object
    webhook_secret: str
    capture_on_commit: object

    def price(self, plan: str, cycle: str = "MONTHLY") -> str:
        return getattr(self.settings, f"STRIPE_PRICE_{plan}_{cycle}")

    def connect(self, workspace: Workspace) -> str:
        """Gives the workspace a Stripe customer, as a first checkout would."""
        customer_id = self.fake.add_customer(metadata={"tenant_id": str(workspace.tenant.pk)})
        billing_state_update(tenant=workspace.tenant, reason="test", stripe_customer_id=customer_id)
        return customer_id

    def subscribe(self, customer_id: str, plan: str = "PRO", *, status: str = "active", **fields) -> dict:
        """Stripe's state of a (new) subscription of the customer."""
        fields.setdefault("created", now())
        return self.fake.put_subscription(
            stripe_objects.subscription(customer=customer_id, price=self.price(plan), status=status, **fields)
        )

    def change(self, subscription_id: str, **fields) -> dict:
        """Changes Stripe's state of a subscription (what the next re-fetch returns)."""
        current = self.fake.subscription(subscription_id)
        return self.fake.put_subscription({**current, **fields})

    def sign(self, body: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
        return signature_header(body, secret or self.webhook_secret, timestamp=timestamp)

    def post_webhook(self, body: bytes, signature: str | None, client: APIClient | None = None):
        extra = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
        return (client or APIClient()).generic("POST", WEBHOOK_URL, body, content_type="application/json", **extra)

    def deliver(self, event: dict, **sign_options):
        """Sends a signed event as Stripe does, running what it queues on commit (the task)."""
        body = json.dumps(event).encode()
        with self.capture_on_commit(execute=True):
            response = self.post_webhook(body, self.sign(body, **sign_options))
        assert response.status_code == 200, response.content
        return response

    def subscription_event(self, event_type: str, subscription: dict, **fields) -> dict:
        return stripe_objects.event(event_type, subscription, created=now(), **fields)


@pytest.fixture
def fake_stripe():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


def configure_stripe(settings, fake: FakeStripe) -> str:
    """Billing switched on against the fake; returns the webhook secret."""
    secret = webhook_secret()
    settings.STRIPE_API_KEY = "sk_test_" + secrets.token_urlsafe(24)
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRETS = [secret]
    settings.FRONTEND_URL = FRONTEND
    settings.STRIPE_SUCCESS_URL = f"{FRONTEND}/billing/success?session_id={{CHECKOUT_SESSION_ID}}"
    settings.STRIPE_CANCEL_URL = f"{FRONTEND}/billing/cancel"
    settings.STRIPE_PORTAL_DISABLED = False
    for plan in ("BOUTIQUE", "PRO"):
        for cycle in ("MONTHLY", "YEARLY"):
            setattr(settings, f"STRIPE_PRICE_{plan}_{cycle}", f"price_{plan.lower()}_{cycle.lower()}_{fake.url[-5:]}")
    return secret


@pytest.fixture
def stripe_testbed(settings, fake_stripe, django_capture_on_commit_callbacks) -> StripeTestbed:
    secret = configure_stripe(settings, fake_stripe)
    return StripeTestbed(
        fake=fake_stripe, settings=settings, webhook_secret=secret, capture_on_commit=django_capture_on_commit_callbacks
    )


def billing_state(workspace: Workspace) -> BillingState:
    return BillingState.objects.with_scopes_disabled().get(tenant=workspace.tenant)


def plan_of(workspace: Workspace):
    forget_effective_plan(workspace.tenant)
    return effective_plan(workspace.tenant)


def stored_events(**filters):
    return StripeEvent.objects.with_scopes_disabled().filter(**filters)


def stored_event(event: dict) -> StripeEvent:
    return StripeEvent.objects.with_scopes_disabled().get(stripe_event_id=event["id"])
