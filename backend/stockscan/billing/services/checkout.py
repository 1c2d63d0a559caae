"""Billing's writes and outside calls: Checkout, the customer portal and the reconciliation
of a tenant with Stripe. The webhook's events are in `billing.events`."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from stockscan.billing import selectors, stripe_api
from stockscan.billing.configuration import (
    billing_configured,
    checkout_cancel_url,
    checkout_success_url,
    price_id,
)
from stockscan.billing.errors import (
    AlreadySubscribed,
    BillingNotConfigured,
    NoBillingAccount,
    PortalDisabled,
    StripeFailed,
)
from stockscan.billing.services.sync import (
    SyncOutcome,
    billing_state_for_update,
    subscription_absent_sync,
    subscription_rank,
    subscription_sync,
)
from stockscan.core.audit import audit_record
from stockscan.entitlements.models import BillingState
from stockscan.entitlements.services import billing_state_update
from stockscan.orgs.models import Tenant


def _customer_idempotency_key(tenant: Tenant) -> str:
    # The tenant id alone could repeat across deployments sharing one Stripe test account
    # (staging, a laptop); with the tenant's creation instant it cannot.
    return f"stockscan-customer-{tenant.pk}-{tenant.created_at.timestamp():.6f}"


def stripe_customer_ensure(*, tenant: Tenant, actor) -> str:
    """The tenant's Stripe customer, created on first use and never twice: the billing row is
    locked while Stripe creates it (concurrent clicks wait and then find it), and the create
    carries an idempotency key derived from the tenant (a retry, or a crash before our commit,
    gets the same customer back from Stripe)."""
    with transaction.atomic():
        state, _ = BillingState.objects.with_scopes_disabled().select_for_update().get_or_create(tenant=tenant)
        if state.stripe_customer_id:
            return state.stripe_customer_id
        customer_id = stripe_api.customer_create(
            tenant_id=tenant.pk,
            name=tenant.name,
            email=getattr(actor, "email", ""),
            locale=tenant.locale,
            idempotency_key=_customer_idempotency_key(tenant),
        )
        billing_state_update(
            tenant=tenant, actor=actor, reason="Stripe customer created", stripe_customer_id=customer_id
        )
        audit_record(
            tenant_id=tenant.pk,
            actor=actor,
            action="billing.customer_created",
            target=state,
            after={"stripe_customer_id": customer_id},
        )
    return customer_id


# A Checkout page handed out again leaves its customer time to pay: Stripe closes a page
# 24 hours after it was opened.
CHECKOUT_REUSE_MIN_REMAINING = timedelta(hours=1)


def checkout_session_start(*, tenant: Tenant, actor, plan: str, cycle: str) -> str:
    """A Stripe Checkout page (subscription mode) for `plan` billed each `cycle`; its URL.

    A tenant has one payable Checkout page at most: each page can start its own subscription,
    so two tabs, a double click or two owners at once would otherwise bill the tenant twice.
    With the billing row locked, the page opened last is handed out again if it is for the
    same plan and cycle, and expired if not; if its customer has already paid on it, the
    subscription is read from Stripe instead of opening another page."""
    if not billing_configured():
        raise BillingNotConfigured()
    if selectors.has_running_subscription(tenant=tenant):
        raise AlreadySubscribed()
    customer_id = stripe_customer_ensure(tenant=tenant, actor=actor)
    with transaction.atomic():
        state = billing_state_for_update(tenant_id=tenant.pk)
        previous = _checkout_session_read(state.stripe_checkout_session_id)
        if previous is not None and previous["status"] == "open":
            if _checkout_session_reusable(previous, plan=plan, cycle=cycle):
                return previous["url"]
            stripe_api.checkout_session_expire(previous["id"])
        elif previous is not None and previous["status"] == "complete":
            # Its subscription's events may not have reached us yet.
            billing_state_reconcile(tenant_id=tenant.pk)
        subscribed = selectors.has_running_subscription(tenant=tenant)
        if not subscribed:
            session = stripe_api.checkout_session_create(
                customer_id=customer_id,
                tenant_id=tenant.pk,
                price_id=price_id(plan, cycle),
                success_url=checkout_success_url(),
                cancel_url=checkout_cancel_url(),
                metadata={"plan": plan, "cycle": cycle},
            )
            billing_state_update(
                tenant=tenant, actor=actor, reason="Checkout started", stripe_checkout_session_id=session["id"]
            )
            audit_record(
                tenant_id=tenant.pk,
                actor=actor,
                action="billing.checkout_started",
                after={"plan": plan, "cycle": cycle},
            )
    if subscribed:  # raised once the reconciled state is committed
        raise AlreadySubscribed()
    return session["url"]


def _checkout_session_read(session_id: str) -> dict | None:
    """The Checkout session from Stripe; None if there is none, or Stripe no longer knows it."""
    if not session_id:
        return None
    try:
        return stripe_api.checkout_session_retrieve(session_id)
    except StripeFailed as exc:
        if exc.http_status == status.HTTP_404_NOT_FOUND:
            return None
        raise


def _checkout_session_reusable(session: dict, *, plan: str, cycle: str) -> bool:
    metadata = session.get("metadata") or {}
    expires_at = datetime.fromtimestamp(session["expires_at"], tz=UTC)
    return (metadata.get("plan"), metadata.get("cycle")) == (plan, cycle) and (
        expires_at - timezone.now() >= CHECKOUT_REUSE_MIN_REMAINING
    )


def portal_session_start(*, tenant: Tenant) -> str:
    """A Stripe customer portal session returning to the SPA; its URL."""
    if settings.STRIPE_PORTAL_DISABLED:
        raise PortalDisabled()
    if not billing_configured():
        raise BillingNotConfigured()
    customer_id = selectors.stripe_customer_id(tenant=tenant)
    if not customer_id:
        raise NoBillingAccount()
    return stripe_api.portal_session_create(customer_id=customer_id, return_url=settings.FRONTEND_URL)


def billing_state_reconcile(*, tenant_id: int) -> SyncOutcome:
    """Reads every subscription of the tenant's customer from Stripe and makes the billing
    state match the one that matters (running first, then the most recent)."""
    with transaction.atomic():
        state = billing_state_for_update(tenant_id=tenant_id)
        if state is None or not state.stripe_customer_id:
            return SyncOutcome(applied=False, note="no Stripe customer")
        read_at = timezone.now()
        subscriptions = stripe_api.customer_subscriptions(state.stripe_customer_id)
        if not subscriptions:
            return subscription_absent_sync(state=state, read_at=read_at, reason="billing_sync")
        current = max(subscriptions, key=lambda sub: (subscription_rank(sub["status"]), sub.get("created") or 0))
        return subscription_sync(
            state=state, subscription=current, read_at=read_at, reason="billing_sync", all_subscriptions_seen=True
        )
