"""SendGrid down, slow or refusing: the outbox retries transient failures on the shared
backoff schedule and sends each email exactly once when SendGrid recovers; permanent
refusals fail at once; nothing is lost.

SendGrid is replaced at the HTTP boundary only: anymail's real SendGrid backend posts to a
local fake of SendGrid's v3 API (tests/support/sendgrid.py) that answers as scripted.
"""

import base64
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from stockscan.core.tasks import next_attempt_at
from stockscan.mail.models import EmailStatus, OutboundEmail
from stockscan.mail.services import email_queue, email_retry
from tests.support.sendgrid import BAD_REQUEST, SERVER_ERROR, TIMEOUT, TOO_MANY_REQUESTS, UNAVAILABLE

pytestmark = pytest.mark.django_db

LINK = "https://app.example.test/reset-password?uid=MQ&token=secret-reset-token-123"


def queue(capture, tenant, *, to="gerante@bistro.test", attachments=()):
    with capture(execute=True):
        email = email_queue(
            to=to,
            template="accounts/password_reset",
            language="fr",
            context={"name": "Awa", "link": LINK, "hours": 24},
            tenant=tenant,
            attachments=attachments,
        )
    email.refresh_from_db()
    return email


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        call_command("run_due_work")


def test_email_goes_to_sendgrid_as_a_v3_mail_send(
    fake_sendgrid, workspace, other_workspace, settings, django_capture_on_commit_callbacks
):
    email = queue(
        django_capture_on_commit_callbacks,
        workspace.tenant,
        attachments=[
            ("stock.csv", "produit;quantité\n".encode(), "text/csv"),
            ("stock.xlsx", b"PK\x03\x04\x00\xff", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ],
    )

    assert email.status == EmailStatus.SENT
    [request] = fake_sendgrid.received
    assert request.path == "/v3/mail/send"
    assert request.headers["Authorization"] == f"Bearer {settings.ANYMAIL['SENDGRID_API_KEY']}"
    payload = request.payload
    assert payload["personalizations"][0]["to"] == [{"email": "gerante@bistro.test"}]
    assert payload["subject"] == "Réinitialisez votre mot de passe StockScan"
    contents = {part["type"]: part["value"] for part in payload["content"]}
    assert LINK in contents["text/plain"]
    assert "secret-reset-token-123" in contents["text/html"]
    attachments = {part["filename"]: part for part in payload["attachments"]}
    assert base64.b64decode(attachments["stock.xlsx"]["content"]) == b"PK\x03\x04\x00\xff"
    assert attachments["stock.xlsx"]["type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert base64.b64decode(attachments["stock.csv"]["content"]).decode() == "produit;quantité\n"
    # SendGrid's X-Message-Id is kept: every event about this email names it.
    assert email.provider_message_id == request.message_id
    assert not OutboundEmail.objects.with_scopes_disabled().filter(tenant=other_workspace.tenant).exists()


@pytest.mark.parametrize(
    "outage",
    [
        pytest.param([SERVER_ERROR], id="500"),
        pytest.param([UNAVAILABLE, TOO_MANY_REQUESTS], id="503-then-429"),
        pytest.param([TIMEOUT], id="timeout"),
        pytest.param([SERVER_ERROR, TIMEOUT, UNAVAILABLE], id="500-timeout-503"),
    ],
)
def test_sendgrid_down_is_retried_then_sent_once_it_recovers(
    fake_sendgrid, workspace, outage, django_capture_on_commit_callbacks
):
    fake_sendgrid.answer(*outage)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        email = queue(django_capture_on_commit_callbacks, workspace.tenant)

    for attempt in range(1, len(outage) + 1):
        assert (email.status, email.attempts) == (EmailStatus.QUEUED, attempt)
        assert email.last_error, "the failure is recorded on the row"
        assert fake_sendgrid.accepted == []
        due = email.next_attempt_at
        # Before it is due, the sweeper leaves it alone; once due, it tries again.
        sweep_at(due - timedelta(seconds=1))
        email.refresh_from_db()
        assert email.attempts == attempt
        sweep_at(due)
        email.refresh_from_db()

    assert email.status == EmailStatus.SENT
    assert email.attempts == len(outage) + 1
    assert email.last_error == ""
    [accepted] = fake_sendgrid.accepted
    assert email.provider_message_id == accepted.message_id
    # Recovered: further sweeps send nothing more.
    sweep_at(timezone.now() + timedelta(days=1))
    assert len(fake_sendgrid.accepted) == 1


def test_retries_wait_longer_each_time(fake_sendgrid, workspace, django_capture_on_commit_callbacks):
    fake_sendgrid.answer(SERVER_ERROR, SERVER_ERROR, SERVER_ERROR)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        email = queue(django_capture_on_commit_callbacks, workspace.tenant)
    assert email.next_attempt_at == next_attempt_at(1, now) == now + timedelta(minutes=1)

    for attempts, wait in [(2, timedelta(minutes=2)), (3, timedelta(minutes=4))]:
        now = email.next_attempt_at
        sweep_at(now)
        email.refresh_from_db()
        assert email.attempts == attempts
        assert email.next_attempt_at == now + wait


def test_connection_refused_is_retried(fake_sendgrid, settings, workspace, django_capture_on_commit_callbacks):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.ANYMAIL = {**settings.ANYMAIL, "SENDGRID_API_URL": f"http://127.0.0.1:{closed_port}/v3/"}

    email = queue(django_capture_on_commit_callbacks, workspace.tenant)

    assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)
    assert "ConnectionError" in email.last_error or "Connection refused" in email.last_error
    settings.ANYMAIL = {**settings.ANYMAIL, "SENDGRID_API_URL": fake_sendgrid.api_url}
    sweep_at(email.next_attempt_at)
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(fake_sendgrid.accepted) == 1


def test_last_attempt_marks_the_email_failed_and_support_can_send_it_again(
    fake_sendgrid, settings, workspace, django_capture_on_commit_callbacks
):
    settings.MAIL_MAX_ATTEMPTS = 3
    fake_sendgrid.answer(UNAVAILABLE, UNAVAILABLE, UNAVAILABLE)
    email = queue(django_capture_on_commit_callbacks, workspace.tenant)
    for _ in range(2):
        sweep_at(email.next_attempt_at)
        email.refresh_from_db()

    assert (email.status, email.attempts) == (EmailStatus.FAILED, 3)
    assert "503" in email.last_error
    assert email.next_attempt_at is None
    sweep_at(timezone.now() + timedelta(days=1))
    assert len(fake_sendgrid.received) == 3, "a failed email is not retried on its own"

    with django_capture_on_commit_callbacks(execute=True):
        assert email_retry(email=email, actor=None) is True
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert len(fake_sendgrid.accepted) == 1


def test_a_refusal_that_retrying_cannot_fix_fails_at_once(fake_sendgrid, workspace, django_capture_on_commit_callbacks):
    fake_sendgrid.answer(BAD_REQUEST)

    email = queue(django_capture_on_commit_callbacks, workspace.tenant)

    assert (email.status, email.attempts) == (EmailStatus.FAILED, 1)
    assert "verified Sender Identity" in email.last_error
    sweep_at(timezone.now() + timedelta(days=1))
    assert len(fake_sendgrid.received) == 1


def test_errors_on_the_row_and_in_the_logs_mask_the_address(
    fake_sendgrid, workspace, caplog, django_capture_on_commit_callbacks
):
    fake_sendgrid.answer(SERVER_ERROR)

    email = queue(django_capture_on_commit_callbacks, workspace.tenant, to="awa.diallo@bistro.test")

    assert "awa.diallo@bistro.test" not in email.last_error
    assert "awa.diallo@bistro.test" not in caplog.text
    assert "secret-reset-token-123" not in email.last_error
    assert "secret-reset-token-123" not in caplog.text
