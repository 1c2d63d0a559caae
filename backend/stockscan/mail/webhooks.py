"""SendGrid's signed event webhook: check the signature, then move each outbox row's delivery
status forward, once per event.

SendGrid signs `timestamp + raw body` with ECDSA (P-256, SHA-256) and sends the base64 DER
signature and the timestamp in the X-Twilio-Email-Event-Webhook-Signature / -Timestamp
headers; the verification is the `sendgrid` package's own helper. A request older than
SIGNATURE_MAX_AGE is refused, so a captured request cannot be replayed later. Events name
their message by `sg_message_id`, which is the X-Message-Id SendGrid answered when the email
was sent followed by a suffix after the first '.'.
"""

import binascii
import json
import logging
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sendgrid.helpers.eventwebhook import EventWebhook

from stockscan.core.errors import ApiError, ErrorCode, WebhookSignatureInvalid
from stockscan.core.logging import mask_personal_data
from stockscan.core.storable import is_storable_text, storable_text
from stockscan.mail.errors import WebhookNotConfigured
from stockscan.mail.models import DELIVERY_RANK, DeliveryEvent, DeliveryStatus, OutboundEmail

logger = logging.getLogger("stockscan.mail")

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
SIGNATURE_MAX_AGE = timedelta(minutes=10)

# SendGrid event → delivery status; engagement events (open, click…) and "processed" change nothing.
EVENT_STATUSES = {
    "deferred": DeliveryStatus.DEFERRED,
    "delivered": DeliveryStatus.DELIVERED,
    "bounce": DeliveryStatus.BOUNCED,
    "dropped": DeliveryStatus.DROPPED,
    "spamreport": DeliveryStatus.SPAM_REPORT,
}
DETAIL_MAX_LENGTH = 500


def _verifier(public_key: str) -> EventWebhook:
    # The dashboard shows the key as bare base64; accept it with its PEM armour too.
    bare = "".join(line for line in public_key.strip().splitlines() if not line.startswith("-----"))
    try:
        verifier = EventWebhook(bare)
    except (ValueError, TypeError):
        logger.error("SENDGRID_WEBHOOK_PUBLIC_KEY is not a valid public key: SendGrid events are refused.")
        raise WebhookNotConfigured() from None
    if not isinstance(verifier.public_key, ec.EllipticCurvePublicKey):
        logger.error("SENDGRID_WEBHOOK_PUBLIC_KEY is not an elliptic-curve key: SendGrid events are refused.")
        raise WebhookNotConfigured()
    return verifier


def sendgrid_verified_payload(*, body: bytes, signature: str | None, timestamp: str | None, public_key: str) -> str:
    """The request body, once it is proven to come from SendGrid recently; raises otherwise."""
    if not public_key:
        raise WebhookNotConfigured()
    if not signature or not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        raise WebhookSignatureInvalid()
    if abs(timezone.now().timestamp() - int(timestamp)) > SIGNATURE_MAX_AGE.total_seconds():
        raise WebhookSignatureInvalid()
    try:
        payload = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookSignatureInvalid() from None
    verifier = _verifier(public_key)
    try:
        valid = verifier.verify_signature(payload, signature, timestamp)
    except (binascii.Error, ValueError):  # not base64, or not a DER signature
        valid = False
    if not valid:
        raise WebhookSignatureInvalid()
    return payload


def sendgrid_events_parse(payload: str) -> list:
    try:
        events = json.loads(payload)
    except ValueError:
        raise ApiError(_("The request body is not valid JSON."), code=ErrorCode.MALFORMED_JSON) from None
    if not isinstance(events, list):
        raise ApiError(_("SendGrid posts a list of events."), code=ErrorCode.VALIDATION_ERROR)
    return events


def _occurred_at(event: dict) -> datetime | None:
    timestamp = event.get("timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        return None
    try:
        return datetime.fromtimestamp(timestamp, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _detail(event: dict) -> str:
    detail = event.get("reason") or event.get("response") or ""
    if not isinstance(detail, str):
        return ""
    detail = storable_text(detail)
    return mask_personal_data(detail)[:DETAIL_MAX_LENGTH]


def _apply_event(event) -> str:
    """ "applied", "duplicate" or "ignored" (not a delivery event, or not one of our emails)."""
    if not isinstance(event, dict):
        return "ignored"
    status = EVENT_STATUSES.get(event.get("event"))
    event_id, message_id = event.get("sg_event_id"), event.get("sg_message_id")
    if status is None or not isinstance(event_id, str) or not isinstance(message_id, str):
        return "ignored"
    provider_message_id = message_id.split(".", 1)[0]
    if not event_id or not provider_message_id:
        return "ignored"
    if not (is_storable_text(event_id) and is_storable_text(provider_message_id)):
        return "ignored"  # no id of ours holds what PostgreSQL cannot store
    with transaction.atomic():
        # The row lock orders concurrent posts of the same batch: the second one finds the
        # event already recorded.
        email = (
            OutboundEmail.objects.with_scopes_disabled()
            .select_for_update()
            .filter(provider_message_id=provider_message_id)
            .first()
        )
        if email is None:
            return "ignored"
        occurred_at = _occurred_at(event)
        try:
            with transaction.atomic():
                DeliveryEvent.objects.create(
                    provider_event_id=event_id[:255], email=email, event=event["event"], occurred_at=occurred_at
                )
        except IntegrityError:
            return "duplicate"
        if DELIVERY_RANK[status] > DELIVERY_RANK[DeliveryStatus(email.delivery_status)]:
            email.delivery_status = status
            email.delivery_detail = _detail(event)
            email.delivery_updated_at = occurred_at or timezone.now()
            email.save(update_fields=["delivery_status", "delivery_detail", "delivery_updated_at", "updated_at"])
    return "applied"


def sendgrid_events_apply(*, events: list) -> dict[str, int]:
    counts = {"received": len(events), "applied": 0, "duplicate": 0, "ignored": 0}
    for event in events:
        counts[_apply_event(event)] += 1
    return counts
