"""`manage.py run_due_work`, the one sweeper: whatever was lost between a commit and a worker
(a Stripe event, an email, an emailed export whose task never ran) is run by one command,
once, and a row that is not due yet is left alone."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.billing.models import StripeEvent, StripeEventStatus
from stockscan.entitlements.plans import PlanCode
from stockscan.exports.models import EmailedExport, EmailedExportStatus
from stockscan.mail.models import EmailStatus, OutboundEmail
from stockscan.mail.services import email_queue
from stockscan.orgs.models import Role
from tests.plans import set_plan
from tests.support import stripe_objects

pytestmark = pytest.mark.django_db


def sweep(*args) -> list[str]:
    out = StringIO()
    call_command("run_due_work", *args, stdout=out)
    return out.getvalue().splitlines()


def password_reset(tenant, to):
    return email_queue(
        to=to,
        template="accounts/password_reset",
        language="en",
        context={"name": "Awa", "link": "https://app.example.test/r?token=t", "hours": 24},
        tenant=tenant,
    )


@pytest.fixture
def lost_work(workspace, other_workspace, django_capture_on_commit_callbacks):
    """One row of each kind whose task never ran (the queue was down), plus an email that is
    not due yet; tenant B has lost work of its own."""
    set_plan(workspace.tenant, PlanCode.PRO)
    owner = workspace.user(Role.OWNER)
    with django_capture_on_commit_callbacks(execute=False):
        event = StripeEvent.objects.with_scopes_disabled().create(
            stripe_event_id="evt_lost",
            type="plan.created",  # a type StockScan does not follow: no call to Stripe
            payload=stripe_objects.event("plan.created", {"id": "plan_1"}, created=0),
        )
        response = workspace.client(Role.OWNER).post(
            "/api/exports/",
            {"from": "2026-10", "to": "2026-10", "format": "csv", "email": owner.email},
            format="json",
        )
        assert response.status_code == 202, response.content
        email = password_reset(workspace.tenant, "gerante@bistro.test")
        theirs = password_reset(other_workspace.tenant, "autre@example.test")
        later = password_reset(workspace.tenant, "later@bistro.test")
    OutboundEmail.objects.with_scopes_disabled().filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=3)
    )
    with scopes_disabled():
        export = EmailedExport.objects.get(tenant=workspace.tenant)
    return {"event": event, "export": export, "emails": [email, theirs], "later": later, "owner": owner}


def test_one_run_runs_the_due_rows_of_every_kind_once(lost_work):
    output = sweep()

    # The export is built before the outbox is swept, so its email leaves in the same run.
    assert output == [
        "billing.StripeEvent: 1 due: 1 ignored.",
        "exports.EmailedExport: 1 due: 1 sent.",
        "mail.OutboundEmail: 3 due: 3 sent.",
    ]
    event = StripeEvent.objects.with_scopes_disabled().get(pk=lost_work["event"].pk)
    assert (event.status, event.attempts) == (StripeEventStatus.IGNORED, 1)
    export = EmailedExport.objects.with_scopes_disabled().get(pk=lost_work["export"].pk)
    assert (export.status, export.attempts) == (EmailedExportStatus.SENT, 1)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["gerante@bistro.test", "autre@example.test", lost_work["owner"].email]
    )
    later = OutboundEmail.objects.with_scopes_disabled().get(pk=lost_work["later"].pk)
    assert (later.status, later.attempts) == (EmailStatus.QUEUED, 0)

    assert sweep() == [
        "billing.StripeEvent: none due.",
        "exports.EmailedExport: none due.",
        "mail.OutboundEmail: none due.",
    ]
    assert len(mail.outbox) == 3, "nothing runs twice"


def test_kind_and_limit_narrow_a_run(lost_work):
    assert sweep("--kind", "mail.OutboundEmail", "--limit", "1") == ["mail.OutboundEmail: 1 due: 1 sent."]

    assert len(mail.outbox) == 1
    assert StripeEvent.objects.with_scopes_disabled().get(pk=lost_work["event"].pk).attempts == 0
    with pytest.raises(CommandError, match=r"Unknown kind billing\.Nope"):
        sweep("--kind", "billing.Nope")
