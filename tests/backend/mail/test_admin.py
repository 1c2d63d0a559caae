"""The outbox and invitations in the Django admin: status, attempts and errors for support
staff, a retry action for failed emails, and never an attachment's bytes, an email's secret
link or an invitation's token hash."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from stockscan.core.models import AuditEntry
from stockscan.mail.models import EmailStatus, OutboundEmail
from stockscan.mail.services import email_queue
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

ATTACHMENT_MARKER = b"SECRET-SPREADSHEET-CONTENT-4242"
LINK_TOKEN = "one-time-token-xyz-987"


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def failed_email(workspace, other_workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = email_queue(
            to="gerante@bistro.test",
            template="accounts/password_reset",
            language="fr",
            context={"name": "Awa", "link": f"https://app.example.test/r?token={LINK_TOKEN}", "hours": 24},
            tenant=workspace.tenant,
            attachments=[("stock.xlsx", ATTACHMENT_MARKER * 100, "application/octet-stream")],
        )
    OutboundEmail.objects.with_scopes_disabled().filter(pk=email.pk).update(
        status=EmailStatus.FAILED, attempts=10, last_error="AnymailRequestsAPIError: SendGrid API response 503"
    )
    email_queue(
        to="autre@example.test",
        template="accounts/password_reset",
        language="fr",
        context={"name": "B", "link": "https://app.example.test/other", "hours": 24},
        tenant=other_workspace.tenant,
    )
    return email


def test_list_shows_status_attempts_and_error(staff_client, failed_email):
    response = staff_client.get(reverse("admin:mail_outboundemail_changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "gerante@bistro.test" in content
    assert "AnymailRequestsAPIError: SendGrid API response 503" in content
    assert "autre@example.test" in content, "the admin works across tenants"


def test_detail_never_shows_attachment_bytes_or_the_sealed_link(staff_client, failed_email):
    response = staff_client.get(reverse("admin:mail_outboundemail_change", args=[failed_email.pk]))

    assert response.status_code == 200
    content = response.content
    assert b"stock.xlsx" in content
    assert ATTACHMENT_MARKER not in content
    assert LINK_TOKEN.encode() not in content
    assert failed_email.sealed_context.encode() not in content


def test_retry_action_sends_a_failed_email_again(staff_client, failed_email, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:mail_outboundemail_changelist"),
            {"action": "retry", "_selected_action": [failed_email.pk]},
        )

    assert response.status_code == 302
    failed_email.refresh_from_db()
    assert (failed_email.status, failed_email.attempts) == (EmailStatus.SENT, 1)
    [message] = mail.outbox
    assert message.to == ["gerante@bistro.test"]
    assert message.attachments[0][1] == ATTACHMENT_MARKER * 100
    entry = AuditEntry.objects.with_scopes_disabled().get(action="email.retried")
    assert entry.tenant_id == failed_email.tenant_id


def test_retry_leaves_emails_that_did_not_fail_alone(staff_client, failed_email, django_capture_on_commit_callbacks):
    queued = OutboundEmail.objects.with_scopes_disabled().exclude(pk=failed_email.pk).get()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:mail_outboundemail_changelist"), {"action": "retry", "_selected_action": [queued.pk]}
        )

    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (EmailStatus.QUEUED, 0)
    assert not AuditEntry.objects.with_scopes_disabled().filter(action="email.retried").exists()


def test_invitations_are_listed_for_support_without_their_token_hash(staff_client, workspace):
    invitation = InvitationFactory(tenant=workspace.tenant, email="support.view@example.test")

    listing = staff_client.get(reverse("admin:orgs_invitation_changelist"))
    detail = staff_client.get(reverse("admin:orgs_invitation_change", args=[invitation.pk]))

    assert listing.status_code == detail.status_code == 200
    assert b"support.view@example.test" in listing.content
    assert invitation.token_hash.encode() not in detail.content
