"""Stripe webhook events: verified, stored once, processed once, in any order.

Intake (`stripe_event_receive`) verifies the signature, inserts the event against its unique
Stripe id (a redelivery hits the constraint and is acknowledged as a duplicate) and queues
its processing on commit; it reads nothing from Stripe, so Stripe gets its answer quickly.

Processing (`stripe_event_process`) claims the row under a lock, so a task, the sweeper
command and the admin's "reprocess" can all ask for the same event and it still runs once.
Handlers never trust the event's copy of the object: they read the subscription again from
Stripe under the tenant's billing row lock and upsert from it (`billing.sync`). When Stripe
cannot be reached the event stays failed with its next attempt scheduled
(`core.tasks.next_attempt_at`); after MAX_EVENT_ATTEMPTS attempts it is left failed for staff
(the admin's "reprocess", and `billing_sync` reconciles every tenant anyway).
"""

import json
import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
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
from stockscan.core.tasks import enqueue_on_commit, next_attempt_at

logger = logging.getLogger("stockscan.billing.events")

# 1 + 2 + 4 + … + 256 minutes between them: about eight and a half hours of Stripe outage.
MAX_EVENT_ATTEMPTS = 10
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
    if not (isinstance(event_id, str) and 0 < len(event_id) <= _MAX_ID_LENGTH):
        raise WebhookPayloadInvalid()
    if not (isinstance(event_type, str) and 0 < len(event_type) <= _MAX_TYPE_LENGTH):
        raise WebhookPayloadInvalid()
    return event


def _created_at(event: dict) -> datetime | None:
    created = event.get("created")
    return datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int) else None


def stripe_event_receive(*, payload: bytes, signature: str | None) -> bool:
    """Stores a verified event and queues its processing. False: a redelivery, already stored."""
    if not webhook_configured():
        raise BillingNotConfigured()
    stripe_api.webhook_signature_verify(payload=payload, header=signature, secrets=settings.STRIPE_WEBHOOK_SECRETS)
    event = _parse_event(payload)
    try:
        with transaction.atomic():
            stored = _events().create(
                stripe_event_id=event["id"], type=event["type"], payload=event, stripe_created_at=_created_at(event)
            )
            enqueue_on_commit(tasks.process_stripe_event, stored.pk)
    except IntegrityError:
        # The unique event id is the only constraint the insert can break: a redelivery,
        # possibly arriving at the same moment as the first delivery.
        return False
    return True


def _due(now: datetime) -> Q:
    return Q(status=StripeEventStatus.RECEIVED) | Q(status=StripeEventStatus.FAILED, next_attempt_at__lte=now)


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


def _fail(event: StripeEvent, error: str, now: datetime) -> None:
    event.status = StripeEventStatus.FAILED
    event.last_error = error
    if event.attempts >= MAX_EVENT_ATTEMPTS:
        event.next_attempt_at = None
        logger.error("Stripe event %s given up after %s attempts: %s", event.stripe_event_id, event.attempts, error)
    else:
        event.next_attempt_at = next_attempt_at(event.attempts, now)
        logger.warning("Stripe event %s failed (attempt %s): %s", event.stripe_event_id, event.attempts, error)


def stripe_event_process(*, event_id: int) -> StripeEvent | None:
    """Runs one stored event if it is due and nobody else is running it; None otherwise."""
    now = timezone.now()
    with transaction.atomic():
        event = _events().select_for_update(skip_locked=True).filter(_due(now), pk=event_id).first()
        if event is None:
            return None
        event.attempts += 1
        try:
            with transaction.atomic():
                status, note = _handle(event)
        except StripeFailed as exc:
            _fail(event, exc.summary, now)
        except SubscriptionNotUnderstood as exc:
            _fail(event, str(exc), now)
        except Exception as exc:  # a bug or an unexpected payload: recorded, never a crashed worker
            logger.exception("Stripe event %s could not be processed", event.stripe_event_id)
            _fail(event, f"Unexpected error: {type(exc).__name__}", now)
        else:
            event.status, event.last_error = status, note
            event.next_attempt_at = None
            event.processed_at = timezone.now()
        event.save()
    return event


def stripe_events_retry_due(*, limit: int = 500) -> Counter:
    """The sweeper: runs every due event (received, or failed and due again), oldest first."""
    now = timezone.now()
    due = _events().filter(_due(now)).order_by("received_at", "id").values_list("pk", flat=True)[:limit]
    results: Counter = Counter()
    for event_id in list(due):
        event = stripe_event_process(event_id=event_id)
        results[event.status if event is not None else "skipped"] += 1
    return results


@transaction.atomic
def stripe_events_reprocess(*, event_ids: list[int], actor) -> int:
    """Staff's "reprocess": failed (also given up) and ignored events run again from scratch."""
    chosen = list(
        _events()
        .select_for_update()
        .filter(pk__in=event_ids, status__in=[StripeEventStatus.FAILED, StripeEventStatus.IGNORED])
    )
    for event in chosen:
        before = {"status": event.status, "attempts": event.attempts, "last_error": event.last_error}
        event.status = StripeEventStatus.RECEIVED
        event.next_attempt_at = None
        event.save(update_fields=["status", "next_attempt_at"])
        audit_record(
            tenant_id=event.tenant_id,
            actor=actor,
            action="billing.event_reprocessed",
            target=event,
            before=before,
            after={"status": event.status},
        )
        enqueue_on_commit(tasks.process_stripe_event, event.pk)
    return len(chosen)
