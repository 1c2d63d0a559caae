"""The outbox and the webhook under concurrency on PostgreSQL (real threads and transactions):
workers racing for one email send it once; a batch SendGrid posts twice at once counts once."""

import json

import pytest
from django.db import connection  # noqa: F401 (read by the skipif condition)
from django.utils import timezone
from rest_framework.test import APIClient

from stockscan.mail.models import DeliveryEvent, DeliveryStatus, EmailStatus, OutboundEmail
from stockscan.mail.services import email_deliver, email_queue
from tests.backend.entitlements.test_concurrency import run_concurrently
from tests.conftest import make_workspace
from tests.support.sendgrid import UNAVAILABLE, sendgrid_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="row locks and concurrent transactions need PostgreSQL"
    ),
]


def rows():
    return OutboundEmail.objects.with_scopes_disabled()


def test_workers_racing_for_one_due_email_send_it_once(fake_sendgrid):
    workspace = make_workspace("Racing workers")
    other = make_workspace("Other tenant")
    fake_sendgrid.answer(UNAVAILABLE)  # the first try fails: the email waits, due again later
    email = email_queue(
        to="gerante@bistro.test",
        template="accounts/password_reset",
        language="fr",
        context={"name": "Awa", "link": "https://app.example.test/r?token=t", "hours": 24},
        tenant=workspace.tenant,
    )
    rows().filter(pk=email.pk).update(next_attempt_at=timezone.now())  # due now

    results = run_concurrently(10, lambda _: email_deliver(email_id=email.pk))

    assert len([r for r in results if isinstance(r, OutboundEmail)]) == 1, results
    assert all(r is None for r in results if not isinstance(r, OutboundEmail)), results
    assert len(fake_sendgrid.accepted) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert not rows().filter(tenant=other.tenant).exists()


def test_one_batch_posted_several_times_at_once_counts_once(sendgrid_signer):
    workspace = make_workspace("Webhook")
    email = rows().create(
        tenant=workspace.tenant,
        recipient="someone@example.test",
        template="accounts/password_reset",
        language="fr",
        sealed_context="",
        subject="Subject",
        status=EmailStatus.SENT,
        provider_message_id="euo2iKxdSayPF4YE4--I7A",
    )
    body = json.dumps(
        [sendgrid_event("deferred", "euo2iKxdSayPF4YE4--I7A"), sendgrid_event("delivered", "euo2iKxdSayPF4YE4--I7A")]
    ).encode()
    headers = sendgrid_signer.headers(body)

    def post(_):
        response = APIClient().generic(
            "POST", "/api/webhooks/sendgrid/", body, content_type="application/json", **headers
        )
        return response.json()

    results = run_concurrently(6, post)

    assert sum(result["applied"] for result in results) == 2, results
    assert sum(result["duplicate"] for result in results) == 10, results
    assert DeliveryEvent.objects.filter(email=email).count() == 2
    email.refresh_from_db()
    assert email.delivery_status == DeliveryStatus.DELIVERED
