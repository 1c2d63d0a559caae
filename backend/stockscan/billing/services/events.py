"""Stripe webhook events: verified, stored once, processed once, in any order.

Intake (`stripe_event_receive`) verifies the signature, checks the event's API version,
inserts the event against its unique Stripe id (a redelivery hits the constraint and is
acknowledged as a duplicate) and queues its processing on commit; it reads nothing from
Stripe, so Stripe gets its answer quickly.

Processing (`stripe_event_process`) is a `core.tasks` retry row: it claims the event first, so
a task, the sweeper (`run_due_work`) and the admin's "reprocess" can all ask for the same event
and it still runs once. Handlers never trust the event's copy of the object: they read the
subscription again from Stripe under the tenant's billing row lock and upsert from it
(`billing.sync`), and the event is marked processed in that same transaction. When Stripe
cannot be reached the event is due again after the core backoff; after
`StripeEvent.max_attempts()` attempts it is left failed for staff (the admin's "reprocess",
and `billing_sync` reconciles every tenant anyway).
"""

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from stockscan.billing import stripe_api, tasks
from stockscan.billing.configuration import webhook_configured
from stockscan.billing.errors import BillingNotConfigured, StripeFailed, WebhookPayloadInvalid
from stockscan.billing.models import StripeEvent, StripeEventStatus
from stockscan.billing.services.sync import (
    SubscriptionNotUnderstood,
    billing_state_for_update,
    stripe_id,
    subscription_sync,
)
from stockscan.core.audit import audit_record
from stockscan.core.storable import is_storable_text, storable
from stockscan.core.tasks import ClaimLost, enqueue_on_commit, retry_claim, retry_fail, retry_requeue, retry_succeed

logger = logging.getLogger("stockscan.billing.events")

_MAX_ID_LENGTH = StripeEvent._meta.get_field("stripe_event_id").max_length
_MAX_TYPE_LENGTH = StripeEvent._meta.get_field("type").max_length


def _events() -> QuerySet:
    # Events arrive before anyone knows their tenant: read across tenants, deliberately.
    return StripeEvent.objects.with_scopes_disabled()


def _parse_event(payload: bytes) -> dict:
    try:
        event = json.loads(payload)
    except ValueError:
        raise WebhookPayloadInvalid() from None
    if not isinstance(event, dict):
        raise WebhookPayloadInvalid()
    event_id, event_type = event.get("id"), event.get("type")
    if not (isinstance(event_id, str) and 0 < len(event_id) <= _MAX_ID_LENGTH and is_storable_text(event_id)):
        raise WebhookPayloadInvalid()
    if not (isinstance(event_type, str) and 0 < len(event_type) <= _MAX_TYPE_LENGTH and is_storable_text(event_type)):
        raise WebhookPayloadInvalid()
    # Stripe sends neither NUL nor a lone surrogate; the stored copy is the record of what
    # arrived, and handlers read their object again from Stripe.
    return storable(event)


def _created_at(event: dict) -> datetime | None:
    created = event.get("created")
    return datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int) else None


def _version_refusal(event: dict) -> str:
    """Why an event cannot be read here: its API version is not the pinned one; "" if it is."""
    version = event.get("api_version")
    if version == settings.STRIPE_API_VERSION:
        return ""
    return (
        f"Stripe API version {version!r}, but this server reads {settings.STRIPE_API_VERSION!r}: set the webhook "
        "endpoint's API version in Stripe's dashboard to the pinned one. Not processed."
    )


def stripe_event_receive(*, payload: bytes, signature: str | None) -> bool:
    """Stores a verified event and queues its processing. False: a redelivery, already stored.

    An event of another API version than STRIPE_API_VERSION is stored failed, never processed:
    the shape of its object depends on the version (an invoice names its subscription in
    `parent.subscription_details` only since 2025), and Stripe never re-renders an event, so no
    retry could help. It is still acknowledged with a 200 rather than refused: a 4xx would have
    Stripe redeliver the same unreadable payload for three days and then disable the endpoint,
    stopping the good events too. The error is logged, the event is kept for staff, and
    `billing_sync` re-reads every subscription at the pinned version anyway.
    """
    if not webhook_configured():
        raise BillingNotConfigured()
    stripe_api.webhook_signature_verify(payload=payload, header=signature, secrets=settings.STRIPE_WEBHOOK_SECRETS)
    event = _parse_event(payload)
    refusal = _version_refusal(event)
    refused = {"status": StripeEventStatus.FAILED, "next_attempt_at": None, "last_error": refusal} if refusal else {}
    try:
        with transaction.atomic():
            stored = _events().create(
                stripe_event_id=event["id"],
                type=event["type"],
                payload=event,
                stripe_created_at=_created_at(event),
                **refused,
            )
            if not refusal:
                enqueue_on_commit(tasks.process_stripe_event, stored.pk)
    except IntegrityError:
        # The unique event id is the only constraint the insert can break: a redelivery,
        # possibly arriving at the same moment as the first delivery.
        return False
    if refusal:
        logger.error("Stripe event %s (%s) refused: %s", event["id"], event["type"], refusal)
    return True


# --- What each event means: where to read its subscription from Stripe.


def _subscription_of_subscription_event(obj: dict) -> dict | None:
    return stripe_api.subscription_retrieve(obj["id"])


def _subscription_of_invoice(obj: dict) -> dict | None:
    parent = obj.get("parent") or {}
    subscription_id = stripe_id((parent.get("subscription_details") or {}).get("subscription"))
    return stripe_api.subscription_retrieve(subscription_id) if subscription_id else None


def _subscription_of_checkout_session(obj: dict) -> dict | None:
    session = stripe_api.checkout_session_retrieve(obj["id"])
    if session.get("mode") != "subscription":
        return None
    subscription = session.get("subscription")
    if isinstance(subscription, str):
        return stripe_api.subscription_retrieve(subscription)
    return subscription


SUBSCRIPTION_READERS: dict[str, Callable[[dict], dict | None]] = {
    "checkout.session.completed": _subscription_of_checkout_session,
    "customer.subscription.created": _subscription_of_subscription_event,
    "customer.subscription.updated": _subscription_of_subscription_event,
    "customer.subscription.deleted": _subscription_of_subscription_event,
    "customer.subscription.paused": _subscription_of_subscription_event,
    "customer.subscription.resumed": _subscription_of_subscription_event,
    "customer.subscription.trial_will_end": _subscription_of_subscription_event,
    "invoice.paid": _subscription_of_invoice,
    "invoice.payment_succeeded": _subscription_of_invoice,
    "invoice.payment_failed": _subscription_of_invoice,
}


def _handle(event: StripeEvent) -> tuple[str, str]:
    """(status, note) for a claimed event; raises StripeFailed when Stripe cannot answer."""
    read_subscription = SUBSCRIPTION_READERS.get(event.type)
    if read_subscription is None:
        return StripeEventStatus.IGNORED, "StockScan does not follow this type of event."
    data = event.payload.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not stripe_id(obj.get("id")):
        return StripeEventStatus.IGNORED, "The event carries no Stripe object."
    customer_id = stripe_id(obj.get("customer"))
    if customer_id is None:
        return StripeEventStatus.IGNORED, "The event names no Stripe customer."
    state = billing_state_for_update(stripe_customer_id=customer_id)
    if state is None:
        # Not retried: no later attempt would find it. Staff can link the customer to its
        # tenant and reprocess the event from the admin.
        return StripeEventStatus.IGNORED, f"Unknown Stripe customer {customer_id}: no tenant has it."
    event.tenant_id = state.tenant_id
    read_at = timezone.now()
    subscription = read_subscription(obj)
    if subscription is None:
        return StripeEventStatus.IGNORED, "No subscription behind this event."
    outcome = subscription_sync(
        state=state, subscription=subscription, read_at=read_at, reason=f"Stripe {event.type} {event.stripe_event_id}"
    )
    return (StripeEventStatus.PROCESSED, "") if outcome.applied else (StripeEventStatus.IGNORED, outcome.note)


def stripe_event_process(*, event_id: int) -> StripeEvent | None:
    """Runs one stored event if it is due and nobody else is running it; None otherwise."""
    event = retry_claim(StripeEvent, event_id)
    if event is None:
        return None
    try:
        with transaction.atomic():
            status, note = _handle(event)
            retry_succeed(event, status=status, note=note, tenant_id=event.tenant_id, processed_at=timezone.now())
    except ClaimLost:  # another worker took it over: its run counts, this one's writes are undone
        return None
    except StripeFailed as exc:
        retry_fail(event, error=exc.summary, tenant_id=event.tenant_id)
    except SubscriptionNotUnderstood as exc:
        retry_fail(event, error=str(exc), tenant_id=event.tenant_id)
    except Exception as exc:  # a bug or an unexpected payload: recorded, never a crashed worker
        logger.exception("Stripe event %s could not be processed", event.stripe_event_id)
        retry_fail(event, error=f"Unexpected error: {type(exc).__name__}", tenant_id=event.tenant_id)
    return event


@transaction.atomic
def stripe_events_reprocess(*, event_ids: list[int], actor) -> int:
    """Staff's "reprocess": failed (given up) and ignored events are due again, keeping their
    attempts (a given-up event gets one more). Events of another API version stay failed:
    their payload cannot be read here."""
    chosen = list(
        _events()
        .select_for_update()
        .filter(
            pk__in=event_ids,
            status__in=[StripeEventStatus.FAILED, StripeEventStatus.IGNORED],
            payload__api_version=settings.STRIPE_API_VERSION,
        )
    )
    retry_requeue(_events().filter(pk__in=[event.pk for event in chosen]), fresh_attempts=False)
    for event in chosen:
        audit_record(
            tenant_id=event.tenant_id,
            actor=actor,
            action="billing.event_reprocessed",
            target=event,
            before={"status": event.status, "attempts": event.attempts, "last_error": event.last_error},
            after={"status": StripeEventStatus.RECEIVED},
        )
    return len(chosen)
