"""The one module that talks to Stripe, through the official `stripe` package.

Every call goes through one `StripeClient` built from settings: it sends the pinned
STRIPE_API_VERSION, each HTTP call has a timeout (STRIPE_TIMEOUT_SECONDS) and is retried once
by the SDK (connection errors, 409 and 5xx), which re-sends the same Idempotency-Key so that
a retried create never creates twice. Objects come back as plain dicts; any failure as
`StripeFailed`, logged here with Stripe's request id and without the key, card data or the
customer's details.
"""

import logging
from contextlib import contextmanager
from functools import lru_cache

import stripe
from django.conf import settings

from stockscan.billing.errors import StripeFailed
from stockscan.core.errors import WebhookSignatureInvalid

logger = logging.getLogger("stockscan.billing.stripe")


@lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str, api_version: str, timeout: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        stripe_version=api_version,
        base_addresses={"api": api_base},
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def _client() -> stripe.StripeClient:
    return _client_for(
        settings.STRIPE_API_KEY, settings.STRIPE_API_BASE, settings.STRIPE_API_VERSION, settings.STRIPE_TIMEOUT_SECONDS
    )


@contextmanager
def _calling(operation: str):
    try:
        yield
    except stripe.StripeError as exc:
        # Stripe's message is left out: it may quote what was sent (an email address).
        summary = (
            f"{operation} failed: {type(exc).__name__} (HTTP {exc.http_status or '-'}, "
            f"code {exc.code or '-'}, request {exc.request_id or '-'})"
        )
        logger.warning("Stripe call %s", summary)
        raise StripeFailed(
            request_id=exc.request_id, http_status=exc.http_status, stripe_code=exc.code, summary=summary
        ) from exc


def customer_create(*, tenant_id: int, name: str, email: str, locale: str, idempotency_key: str) -> str:
    params = {"name": name, "preferred_locales": [locale], "metadata": {"tenant_id": str(tenant_id)}}
    if email:
        params["email"] = email
    with _calling("customers.create"):
        customer = _client().v1.customers.create(params=params, options={"idempotency_key": idempotency_key})
    return customer.id


def checkout_session_create(
    *, customer_id: str, tenant_id: int, price_id: str, success_url: str, cancel_url: str, metadata: dict[str, str]
) -> dict:
    params = {
        "mode": "subscription",
        "customer": customer_id,
        "client_reference_id": str(tenant_id),
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": {"tenant_id": str(tenant_id), **metadata},
        "subscription_data": {"metadata": {"tenant_id": str(tenant_id)}},
    }
    with _calling("checkout.sessions.create"):
        return _client().v1.checkout.sessions.create(params=params).to_dict()


def checkout_session_expire(session_id: str) -> dict:
    """Closes an open Checkout page: its customer can no longer pay on it."""
    with _calling("checkout.sessions.expire"):
        return _client().v1.checkout.sessions.expire(session_id).to_dict()


def portal_session_create(*, customer_id: str, return_url: str) -> str:
    with _calling("billing_portal.sessions.create"):
        session = _client().v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": return_url}
        )
    return session.url


def price_retrieve(price_id: str) -> dict:
    with _calling("prices.retrieve"):
        return _client().v1.prices.retrieve(price_id).to_dict()


def subscription_retrieve(subscription_id: str) -> dict:
    with _calling("subscriptions.retrieve"):
        return _client().v1.subscriptions.retrieve(subscription_id).to_dict()


def checkout_session_retrieve(session_id: str) -> dict:
    """The session with its subscription expanded (None until Checkout created one)."""
    with _calling("checkout.sessions.retrieve"):
        return _client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["subscription"]}).to_dict()


def customer_subscriptions(customer_id: str) -> list[dict]:
    """Every subscription of the customer, ended ones included (a customer has a handful)."""
    with _calling("subscriptions.list"):
        page = _client().v1.subscriptions.list(params={"customer": customer_id, "status": "all", "limit": 100})
    return [subscription.to_dict() for subscription in page.data]


def webhook_signature_verify(*, payload: bytes, header: str | None, secrets: list[str]) -> None:
    """Stripe's signature scheme (HMAC-SHA256 of `<t>.<body>`, 300 s tolerance), checked by the
    SDK against each configured secret: during a rotation both the old and the new one pass."""
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(
                payload, header, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError):
            continue
        return
    raise WebhookSignatureInvalid()
