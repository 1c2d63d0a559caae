"""The migrations that made Stripe events, outbox emails and emailed exports retry rows keep
every existing row's meaning: what was due is due, what was given up stays given up, a row
held by a worker is held until the same moment."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from stockscan.billing.models import StripeEvent, StripeEventStatus
from stockscan.core.tasks import retry_claim
from stockscan.exports.models import EmailedExport, EmailedExportStatus
from stockscan.mail.models import EmailStatus, OutboundEmail

pytestmark = pytest.mark.django_db


def migration(app: str, name: str):
    return importlib.import_module(f"stockscan.{app}.migrations.{name}")


def test_stripe_events_failed_and_waiting_become_received_and_given_up_stay_failed():
    events = StripeEvent.objects.with_scopes_disabled()
    retry_at = timezone.now() + timedelta(minutes=4)

    def old(event_id, status, **fields):
        return events.create(stripe_event_id=event_id, type="invoice.paid", payload={}, status=status, **fields)

    received = old("evt_received", StripeEventStatus.RECEIVED, next_attempt_at=None)
    retrying = old("evt_retrying", StripeEventStatus.FAILED, attempts=3, next_attempt_at=retry_at, last_error="503")
    given_up = old("evt_given_up", StripeEventStatus.FAILED, attempts=10, next_attempt_at=None, last_error="503")
    processed = old("evt_processed", StripeEventStatus.PROCESSED, attempts=1, next_attempt_at=None)

    migration("billing", "0002_stripe_event_retry_row").to_retry_rows(apps, None)

    received, retrying, given_up, processed = (
        events.get(pk=row.pk) for row in (received, retrying, given_up, processed)
    )
    assert (received.status, received.next_attempt_at) == (StripeEventStatus.RECEIVED, received.received_at)
    assert (retrying.status, retrying.attempts, retrying.next_attempt_at) == (StripeEventStatus.RECEIVED, 3, retry_at)
    assert (given_up.status, given_up.next_attempt_at) == (StripeEventStatus.FAILED, None)
    assert processed.status == StripeEventStatus.PROCESSED
    assert retry_claim(StripeEvent, received.pk) is not None
    assert retry_claim(StripeEvent, retrying.pk) is None, "not due before its time"
    assert retry_claim(StripeEvent, given_up.pk) is None


def test_an_email_being_sent_is_held_fifteen_minutes_from_its_claim(workspace):
    emails = OutboundEmail.objects.with_scopes_disabled()
    claimed_at = timezone.now() - timedelta(minutes=10)

    def old(status, **fields):
        return emails.create(
            tenant=workspace.tenant,
            recipient="gerante@bistro.test",
            template="accounts/password_reset",
            language="fr",
            sealed_context="",
            subject="Subject",
            status=status,
            **fields,
        )

    # Before the migration `claimed_until` was `claimed_at`, the moment of the claim.
    sending = old(EmailStatus.SENDING, attempts=1, claimed_until=claimed_at, next_attempt_at=claimed_at)
    sent = old(EmailStatus.SENT, attempts=1, claimed_until=claimed_at, next_attempt_at=None)

    migration("mail", "0002_outbound_email_retry_row").claim_time_to_lease_end(apps, None)

    sending, sent = emails.get(pk=sending.pk), emails.get(pk=sent.pk)
    assert (sending.claimed_until, sending.next_attempt_at) == (claimed_at + timedelta(minutes=15), None)
    assert sent.claimed_until is None
    assert retry_claim(OutboundEmail, sending.pk) is None, "its sender may still be at it"


def test_finished_emailed_exports_lose_their_due_time_and_queued_ones_keep_it(workspace):
    jobs = EmailedExport.objects.with_scopes_disabled()
    due = timezone.now() - timedelta(minutes=1)

    def old(status):
        return jobs.create(
            tenant=workspace.tenant,
            exporter="inventory",
            file_format="csv",
            quota_period=date(2026, 10, 1),
            status=status,
            next_attempt_at=due,
        )

    queued, sent, failed = (
        old(EmailedExportStatus.QUEUED),
        old(EmailedExportStatus.SENT),
        old(EmailedExportStatus.FAILED),
    )

    migration("exports", "0002_emailed_export_retry_row").to_retry_rows(apps, None)

    assert jobs.get(pk=queued.pk).next_attempt_at == due
    assert jobs.get(pk=sent.pk).next_attempt_at is None
    assert jobs.get(pk=failed.pk).next_attempt_at is None
    assert retry_claim(EmailedExport, queued.pk) is not None
    assert retry_claim(EmailedExport, sent.pk) is None
