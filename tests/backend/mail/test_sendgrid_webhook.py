"""POST /api/webhooks/sendgrid/: only SendGrid's signed, recent requests change anything; each
event counts once; a delivery status never moves backwards.

Payloads are signed with an EC P-256 key pair made for each test (tests/support/sendgrid.py),
exactly as SendGrid signs them; the endpoint verifies with the `sendgrid` package's helper.
"""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from stockscan.mail.models import DeliveryEvent, DeliveryStatus, EmailStatus, OutboundEmail
from tests.backend.core.responses import assert_error
from tests.support.sendgrid import EventSigner, sendgrid_event

pytestmark = pytest.mark.django_db

URL = "/api/webhooks/sendgrid/"


def sent_email(tenant, message_id: str, **fields) -> OutboundEmail:
    return OutboundEmail.objects.with_scopes_disabled().create(
        **{
            "tenant": tenant,
            "recipient": "someone@example.test",
            "template": "accounts/password_reset",
            "language": "fr",
            "sealed_context": "",
            "subject": "Subject",
            "status": EmailStatus.SENT,
            "attempts": 1,
            "sent_at": timezone.now(),
            "provider_message_id": message_id,
            **fields,
        }
    )


def post(body: bytes, headers: dict | None = None):
    return APIClient().generic("POST", URL, body, content_type="application/json", **(headers or {}))


def post_signed(signer: EventSigner, events, **kwargs):
    body = json.dumps(events).encode()
    return post(body, signer.headers(body, **kwargs))


def state(email: OutboundEmail) -> tuple[str, str]:
    email.refresh_from_db()
    return email.status, email.delivery_status


@pytest.fixture
def emails(workspace, other_workspace):
    """One sent email per tenant; the other tenant's must never move."""
    return {
        "ours": sent_email(workspace.tenant, "euo2iKxdSayPF4YE4--I7A"),
        "theirs": sent_email(other_workspace.tenant, "Xq1rT0kZQm2bW7vN8pLc4A"),
    }


def test_signed_events_update_the_emails_they_name(sendgrid_signer, emails):
    bounce = sendgrid_event(
        "bounce",
        "euo2iKxdSayPF4YE4--I7A",
        reason="550 5.1.1 The email account that you tried to reach does not exist",
        type="bounce",
        bounce_classification="Invalid Address",
    )

    response = post_signed(sendgrid_signer, [bounce])

    assert response.status_code == 200, response.content
    assert response.json() == {"received": 1, "applied": 1, "duplicate": 0, "ignored": 0}
    ours = emails["ours"]
    assert state(ours) == (EmailStatus.SENT, DeliveryStatus.BOUNCED)
    assert ours.delivery_detail.startswith("550 5.1.1")
    [event] = DeliveryEvent.objects.all()
    assert (event.email_id, event.event, event.provider_event_id) == (ours.pk, "bounce", bounce["sg_event_id"])
    assert state(emails["theirs"]) == (EmailStatus.SENT, DeliveryStatus.UNKNOWN)


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("delivered", DeliveryStatus.DELIVERED),
        ("deferred", DeliveryStatus.DEFERRED),
        ("bounce", DeliveryStatus.BOUNCED),
        ("dropped", DeliveryStatus.DROPPED),
        ("spamreport", DeliveryStatus.SPAM_REPORT),
    ],
)
def test_each_delivery_event_maps_to_its_status(sendgrid_signer, emails, event, status):
    post_signed(sendgrid_signer, [sendgrid_event(event, "euo2iKxdSayPF4YE4--I7A")])

    assert state(emails["ours"])[1] == status


@pytest.mark.parametrize(
    ("sequence", "final"),
    [
        pytest.param(["delivered", "deferred"], DeliveryStatus.DELIVERED, id="late-deferred-after-delivered"),
        pytest.param(["deferred", "delivered"], DeliveryStatus.DELIVERED, id="deferred-then-delivered"),
        pytest.param(["delivered", "bounce"], DeliveryStatus.BOUNCED, id="asynchronous-bounce"),
        pytest.param(["bounce", "delivered"], DeliveryStatus.BOUNCED, id="out-of-order-delivered"),
        pytest.param(["delivered", "spamreport"], DeliveryStatus.SPAM_REPORT, id="spam-report-after-delivery"),
        pytest.param(["bounce", "dropped"], DeliveryStatus.BOUNCED, id="first-failure-kept"),
    ],
)
def test_delivery_status_never_moves_backwards(sendgrid_signer, emails, sequence, final):
    for event in sequence:
        post_signed(sendgrid_signer, [sendgrid_event(event, "euo2iKxdSayPF4YE4--I7A")])

    assert state(emails["ours"])[1] == final
    assert DeliveryEvent.objects.count() == len(sequence)


def test_a_redelivered_batch_counts_each_event_once(sendgrid_signer, emails):
    batch = [
        sendgrid_event("deferred", "euo2iKxdSayPF4YE4--I7A"),
        sendgrid_event("delivered", "euo2iKxdSayPF4YE4--I7A"),
    ]

    first = post_signed(sendgrid_signer, batch)
    again = post_signed(sendgrid_signer, batch)

    assert first.json() == {"received": 2, "applied": 2, "duplicate": 0, "ignored": 0}
    assert again.json() == {"received": 2, "applied": 0, "duplicate": 2, "ignored": 0}
    assert DeliveryEvent.objects.count() == 2
    assert state(emails["ours"])[1] == DeliveryStatus.DELIVERED


def test_events_that_are_not_about_our_delivery_are_ignored(sendgrid_signer, emails):
    events = [
        sendgrid_event("processed", "euo2iKxdSayPF4YE4--I7A"),
        sendgrid_event("open", "euo2iKxdSayPF4YE4--I7A"),
        sendgrid_event("click", "euo2iKxdSayPF4YE4--I7A", url="https://example.test"),
        sendgrid_event("delivered", "NotOneOfOurMessages000"),
        {"event": "delivered", "sg_message_id": "euo2iKxdSayPF4YE4--I7A.x"},  # no event id
        "not an object",
    ]

    response = post_signed(sendgrid_signer, events)

    assert response.json() == {"received": 6, "applied": 0, "duplicate": 0, "ignored": 6}
    assert not DeliveryEvent.objects.exists()
    assert state(emails["ours"])[1] == DeliveryStatus.UNKNOWN


def test_ids_postgresql_cannot_hold_are_ignored_and_a_detail_keeps_what_it_can(sendgrid_signer, emails):
    """JSON can carry a NUL character or a lone surrogate; PostgreSQL cannot store either: such
    an id is none of ours (ignored, not a server error) and a detail keeps the rest."""
    events = [
        sendgrid_event("delivered", "euo2iKxdSayPF4YE4--I7A\x00"),
        sendgrid_event("delivered", "euo2iKxdSayPF4YE4--I7A", sg_event_id="\ud800"),
        sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A", reason="550 unknown\x00 user \udfff"),
    ]

    response = post_signed(sendgrid_signer, events)

    assert response.json() == {"received": 3, "applied": 1, "duplicate": 0, "ignored": 2}
    emails["ours"].refresh_from_db()
    assert emails["ours"].delivery_status == DeliveryStatus.BOUNCED
    assert emails["ours"].delivery_detail == "550 unknown\ufffd user \ufffd"


def test_an_email_with_no_provider_id_is_never_matched(sendgrid_signer, workspace):
    unsent = sent_email(workspace.tenant, "", status=EmailStatus.QUEUED)

    response = post_signed(sendgrid_signer, [sendgrid_event("delivered", "")])

    assert response.json()["ignored"] == 1
    assert state(unsent) == (EmailStatus.QUEUED, DeliveryStatus.UNKNOWN)


def _assert_refused(response, status, code, emails):
    if status >= 500:  # assert_error is for the 4xx a client caused
        assert (response.status_code, response.json()["code"]) == (status, code)
    else:
        assert_error(response, status, code)
    assert not DeliveryEvent.objects.exists()
    assert state(emails["ours"]) == (EmailStatus.SENT, DeliveryStatus.UNKNOWN)
    assert state(emails["theirs"]) == (EmailStatus.SENT, DeliveryStatus.UNKNOWN)


def test_tampered_payload_is_refused(sendgrid_signer, emails):
    body = json.dumps([sendgrid_event("delivered", "euo2iKxdSayPF4YE4--I7A")]).encode()
    headers = sendgrid_signer.headers(body)
    tampered = body.replace(b"delivered", b"bounce")

    _assert_refused(post(tampered, headers), 400, "WEBHOOK_SIGNATURE_INVALID", emails)


def test_signature_made_with_another_key_is_refused(sendgrid_signer, emails):
    body = json.dumps([sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A")]).encode()

    _assert_refused(post(body, EventSigner().headers(body)), 400, "WEBHOOK_SIGNATURE_INVALID", emails)


def test_signature_moved_to_another_timestamp_is_refused(sendgrid_signer, emails):
    body = json.dumps([sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A")]).encode()
    headers = sendgrid_signer.headers(body)
    headers["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP"] = str(int(time.time()) - 1)

    _assert_refused(post(body, headers), 400, "WEBHOOK_SIGNATURE_INVALID", emails)


@pytest.mark.parametrize("missing", ["SIGNATURE", "TIMESTAMP", "both"])
def test_unsigned_request_is_refused(sendgrid_signer, emails, missing):
    body = json.dumps([sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A")]).encode()
    headers = {
        name: value
        for name, value in sendgrid_signer.headers(body).items()
        if missing != "both" and not name.endswith(missing)
    }

    _assert_refused(post(body, headers), 400, "WEBHOOK_SIGNATURE_INVALID", emails)


@pytest.mark.parametrize("signature", ["not base64 at all!", "AAAA", ""])
def test_garbage_signature_is_refused(sendgrid_signer, emails, signature):
    body = json.dumps([sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A")]).encode()
    headers = sendgrid_signer.headers(body)
    headers["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE"] = signature

    _assert_refused(post(body, headers), 400, "WEBHOOK_SIGNATURE_INVALID", emails)


@pytest.mark.parametrize(
    "age",
    [timedelta(minutes=11), timedelta(days=2), -timedelta(minutes=11)],
    ids=["11-minutes-old", "2-days-old", "11-minutes-ahead"],
)
def test_stale_request_is_refused_even_when_correctly_signed(sendgrid_signer, emails, age):
    events = [sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A")]
    timestamp = int((timezone.now() - age).timestamp())

    _assert_refused(post_signed(sendgrid_signer, events, timestamp=timestamp), 400, "WEBHOOK_SIGNATURE_INVALID", emails)


ARABIC_INDIC_DIGITS = "\u0661\u0667" + "\u0660" * 8  # str.isdigit() says yes; int() would read them


@pytest.mark.parametrize("timestamp", ["yesterday", "1.7e9", "-5", ARABIC_INDIC_DIGITS])
def test_malformed_timestamp_is_refused(sendgrid_signer, emails, timestamp):
    body = json.dumps([sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A")]).encode()
    headers = {
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": sendgrid_signer.sign(body, timestamp),
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": timestamp,
    }

    _assert_refused(post(body, headers), 400, "WEBHOOK_SIGNATURE_INVALID", emails)


def test_recent_request_within_the_tolerance_is_accepted(sendgrid_signer, emails):
    timestamp = int((timezone.now() - timedelta(minutes=9)).timestamp())

    response = post_signed(
        sendgrid_signer, [sendgrid_event("delivered", "euo2iKxdSayPF4YE4--I7A")], timestamp=timestamp
    )

    assert response.status_code == 200
    assert state(emails["ours"])[1] == DeliveryStatus.DELIVERED


def test_without_a_configured_key_nothing_is_stored(settings, emails):
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = ""
    signer = EventSigner()

    response = post_signed(signer, [sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A")])

    _assert_refused(response, 503, "WEBHOOK_NOT_CONFIGURED", emails)


def test_a_key_that_is_not_a_public_key_answers_not_configured(settings, emails):
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = "this-is-not-a-key"
    signer = EventSigner()

    _assert_refused(
        post_signed(signer, [sendgrid_event("bounce", "euo2iKxdSayPF4YE4--I7A")]), 503, "WEBHOOK_NOT_CONFIGURED", emails
    )


def test_the_key_may_be_configured_with_its_pem_armour(settings, emails):
    signer = EventSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = (
        f"-----BEGIN PUBLIC KEY-----\n{signer.public_key}\n-----END PUBLIC KEY-----\n"
    )

    response = post_signed(signer, [sendgrid_event("delivered", "euo2iKxdSayPF4YE4--I7A")])

    assert response.status_code == 200
    assert state(emails["ours"])[1] == DeliveryStatus.DELIVERED


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[{not json", "MALFORMED_JSON"),
        (b'{"event": "delivered"}', "VALIDATION_ERROR"),
        (b"\xff\xfe[]", "WEBHOOK_SIGNATURE_INVALID"),
    ],
    ids=["not-json", "not-a-list", "not-utf8"],
)
def test_signed_body_that_is_not_a_list_of_events_is_refused(sendgrid_signer, emails, body, code):
    headers = {
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": sendgrid_signer.sign(body, str(int(time.time()))),
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": str(int(time.time())),
    }

    response = post(body, headers)

    _assert_refused(response, 400, code, emails)


def test_end_to_end_an_email_sent_through_sendgrid_gets_its_events(
    fake_sendgrid, sendgrid_signer, workspace, django_capture_on_commit_callbacks
):
    from stockscan.mail.services import email_queue

    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(
            to="awa@example.test",
            template="accounts/password_reset",
            language="en",
            context={"name": "Awa", "link": "https://app.example.test/x", "hours": 24},
            tenant=workspace.tenant,
        )
    [accepted] = fake_sendgrid.accepted

    response = post_signed(sendgrid_signer, [sendgrid_event("delivered", accepted.message_id)])

    assert response.json()["applied"] == 1
    assert state(email) == (EmailStatus.SENT, DeliveryStatus.DELIVERED)
