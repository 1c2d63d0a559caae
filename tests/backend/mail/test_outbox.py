"""The outbox: an email exists exactly when the action that causes it commits, is sent once,
carries its text, HTML and attachments, and keeps no secret link readable in the database.

These tests use Django's in-memory backend; SendGrid's own failures are in
test_sendgrid_transport.py. `workspace` / `other_workspace` give two tenants: one tenant's
emails never touch the other's.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.template import TemplateDoesNotExist
from django.utils import timezone
from django_scopes import scope

from stockscan.mail.models import EmailAttachment, EmailStatus, OutboundEmail
from stockscan.mail.services import Attachment, email_deliver, email_queue

pytestmark = pytest.mark.django_db

RESET_LINK = "https://app.example.test/reset-password?uid=MQ&token=c3x9-0f1d2e3c4b5a69788"


def reset_email(tenant=None, **overrides):
    arguments = {
        "to": "gerante@bistro.test",
        "template": "accounts/password_reset",
        "language": "en",
        "context": {"name": "Awa", "link": RESET_LINK, "hours": 24},
        "tenant": tenant,
        **overrides,
    }
    return email_queue(**arguments)


def outbox_rows():
    return OutboundEmail.objects.with_scopes_disabled()


def test_queued_email_is_sent_when_the_transaction_commits(
    workspace, other_workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            email = reset_email(tenant=workspace.tenant)
            assert mail.outbox == [], "sent before the transaction committed"
            assert outbox_rows().get(pk=email.pk).status == EmailStatus.QUEUED

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert email.provider_message_id == ""  # the in-memory backend has no provider id
    [message] = mail.outbox
    assert message.to == ["gerante@bistro.test"]
    assert message.subject == "Reset your StockScan password"
    assert RESET_LINK in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="https://app.example.test/reset-password?uid=MQ&amp;token=' in html
    assert not outbox_rows().filter(tenant=other_workspace.tenant).exists()


def test_rolled_back_action_leaves_no_email(workspace, django_capture_on_commit_callbacks):
    def queue_then_fail():
        with transaction.atomic():
            reset_email(tenant=workspace.tenant, attachments=[("a.csv", b"x;y\n", "text/csv")])
            raise RuntimeError("the action failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            queue_then_fail()

    assert callbacks == []
    assert not outbox_rows().exists()
    assert not EmailAttachment.objects.exists()
    assert mail.outbox == []


def test_email_is_rendered_in_its_language(workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reset_email(language="fr")
        reset_email(language="en")
        reset_email(language="de")  # not a language of the site: French, the default

    subjects = [message.subject for message in mail.outbox]
    assert subjects == [
        "Réinitialisez votre mot de passe StockScan",
        "Reset your StockScan password",
        "Réinitialisez votre mot de passe StockScan",
    ]
    assert "Bonjour Awa," in mail.outbox[0].body
    assert "Hello Awa," in mail.outbox[1].body


def test_user_input_is_escaped_in_html_and_kept_as_typed_in_text(django_capture_on_commit_callbacks, db):
    name = '<script>alert("x")</script> & Co'
    with django_capture_on_commit_callbacks(execute=True):
        reset_email(context={"name": name, "link": RESET_LINK, "hours": 24})

    [message] = mail.outbox
    [(html, _)] = message.alternatives
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    assert f"Hello {name}," in message.body


def test_a_very_long_subject_is_cut_to_fit(django_capture_on_commit_callbacks, workspace):
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(
            to="owner@example.test",
            template="exports/export_email",
            language="en",
            context={
                "business_name": "Très " * 100,
                "description": "October 2026",
                "sender_name": "Awa",
                "recipient_name": "Moussa",
                "filename": "stockscan_export.xlsx",
                "message": "",
            },
        )

    assert len(email.subject) == 255
    assert mail.outbox[0].subject == email.subject


def test_subject_stays_on_one_line_whatever_the_context(django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(
            to="owner@example.test",
            template="exports/export_email",
            language="en",
            context={
                "business_name": "Chez Nous\r\nBcc: victim@example.test",
                "description": "October 2026",
                "sender_name": "Awa",
                "recipient_name": "Moussa",
                "filename": "stockscan_export.xlsx",
                "message": "",
            },
        )

    assert email.subject == "StockScan export: Chez Nous Bcc: victim@example.test, October 2026"
    [message] = mail.outbox
    assert message.recipients() == ["owner@example.test"]
    assert message.message().get("Bcc") is None


def test_attachments_are_sent_with_their_name_type_and_bytes(workspace, django_capture_on_commit_callbacks):
    xlsx = bytes(range(256)) * 4096  # 1 MiB of binary, every byte value
    with django_capture_on_commit_callbacks(execute=True):
        email = reset_email(
            tenant=workspace.tenant,
            attachments=[
                Attachment(
                    "stock-2026-05.xlsx", xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                ),
                ("stock-2026-05.csv", "produit;quantité\n".encode(), "text/csv"),
            ],
        )

    stored = list(EmailAttachment.objects.filter(email=email).values_list("filename", "size"))
    assert stored == [("stock-2026-05.xlsx", len(xlsx)), ("stock-2026-05.csv", len("produit;quantité\n".encode()))]
    [message] = mail.outbox
    [(xlsx_name, xlsx_content, xlsx_type), (csv_name, csv_content, csv_type)] = message.attachments
    assert (xlsx_name, xlsx_type) == (
        "stock-2026-05.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert xlsx_content == xlsx
    assert (csv_name, csv_type) == ("stock-2026-05.csv", "text/csv")
    assert csv_content == "produit;quantité\n"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"to": "not-an-address"}, ValidationError, id="bad-address"),
        pytest.param({"template": "accounts/nothing_here"}, TemplateDoesNotExist, id="unknown-template"),
        pytest.param({"context": {"when": timezone.now()}}, TypeError, id="context-not-json"),
        pytest.param({"attachments": [("a.csv", "text, not bytes", "text/csv")]}, TypeError, id="attachment-not-bytes"),
    ],
)
def test_bad_arguments_fail_in_the_caller_and_queue_nothing(workspace, overrides, error):
    with pytest.raises(error):
        reset_email(tenant=workspace.tenant, **overrides)

    assert not outbox_rows().exists()


def test_the_link_is_stored_only_sealed(workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = reset_email(tenant=workspace.tenant)

    row = outbox_rows().filter(pk=email.pk).values().get()
    assert not any("c3x9-0f1d2e3c4b5a69788" in str(value) for value in row.values()), row
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_context FROM mail_outboundemail WHERE id = %s", [email.pk])
        [(sealed,)] = cursor.fetchall()
    assert "token" not in sealed and "reset-password" not in sealed


def test_a_sent_email_is_never_sent_again(workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = reset_email(tenant=workspace.tenant)

    assert email_deliver(email_id=email.pk) is None
    call_command("run_due_work")

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)


def test_sweeper_sends_emails_whose_task_never_ran(workspace, other_workspace, django_capture_on_commit_callbacks):
    # The queue was down when the transaction committed: the row is all there is.
    with django_capture_on_commit_callbacks(execute=False):
        first = reset_email(tenant=workspace.tenant)
        second = reset_email(tenant=other_workspace.tenant, to="autre@example.test")
    assert mail.outbox == []

    call_command("run_due_work")

    assert sorted(message.to[0] for message in mail.outbox) == ["autre@example.test", "gerante@bistro.test"]
    assert {row.status for row in outbox_rows().filter(pk__in=[first.pk, second.pk])} == {EmailStatus.SENT}


def test_sweeper_takes_over_an_email_whose_sender_died(workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        abandoned = reset_email(tenant=workspace.tenant, to="abandoned@example.test")
        in_flight = reset_email(tenant=workspace.tenant, to="in-flight@example.test")
    now = timezone.now()
    # Claimed 20 minutes ago (its 15-minute lease is over), and 1 minute ago.
    outbox_rows().filter(pk=abandoned.pk).update(
        status=EmailStatus.SENDING, attempts=1, claimed_until=now - timedelta(minutes=5)
    )
    outbox_rows().filter(pk=in_flight.pk).update(
        status=EmailStatus.SENDING, attempts=1, claimed_until=now + timedelta(minutes=14)
    )

    call_command("run_due_work")

    assert [message.to for message in mail.outbox] == [["abandoned@example.test"]]
    abandoned.refresh_from_db()
    in_flight.refresh_from_db()
    assert (abandoned.status, abandoned.attempts) == (EmailStatus.SENT, 2)
    assert (in_flight.status, in_flight.attempts) == (EmailStatus.SENDING, 1)


def test_a_broken_template_fails_at_once(workspace, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=False):
        email = reset_email(tenant=workspace.tenant)
    outbox_rows().filter(pk=email.pk).update(template="accounts/removed_since")

    email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 1)
    assert "TemplateDoesNotExist" in email.last_error
    assert mail.outbox == []


def test_a_context_sealed_under_a_retired_secret_key_still_opens(
    workspace, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        email = reset_email(tenant=workspace.tenant)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 40

    email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert RESET_LINK in mail.outbox[0].body


def test_a_context_sealed_under_an_unknown_key_fails_without_retrying(
    workspace, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        email = reset_email(tenant=workspace.tenant)
    settings.SECRET_KEY = "a-different-secret-key-entirely-" + "y" * 40

    email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert "ContextUnreadable" in email.last_error


def test_outbox_rows_are_scoped_to_their_tenant(workspace, other_workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        mine = reset_email(tenant=workspace.tenant)
        reset_email(tenant=other_workspace.tenant)
        reset_email(tenant=None)

    with scope(tenant=workspace.tenant.pk):
        assert list(OutboundEmail.objects.values_list("pk", flat=True)) == [mine.pk]
