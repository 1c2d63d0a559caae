"""Emailed exports (POST /api/exports/): queued (202) for members or confirmed recipients only, built and sent by a task
as an attachment that opens; the entitlement, the quota, the hourly limit; retries through
the sweeper, and giving up (quota given back) when it cannot succeed."""

import io
import socket
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.entitlements.models import TenantPlanOverride
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.exports.models import EmailedExport, EmailedExportStatus
from stockscan.mail.models import EmailStatus, OutboundEmail
from stockscan.orgs.models import MembershipStatus, Role
from tests.backend.core.responses import assert_error
from tests.backend.exports.conftest import EXPORTS, XLSX_TYPE, quota_used
from tests.factories import ServiceFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

OCTOBER = {"from": "2026-10", "to": "2026-10"}


def email_of(stock, role) -> str:
    return stock.ws.user(role).email


def jobs_of(tenant) -> list[EmailedExport]:
    with scopes_disabled():
        return list(EmailedExport.objects.filter(tenant=tenant).order_by("id"))


def actions(tenant) -> list[str]:
    with scopes_disabled():
        entries = AuditEntry.objects.filter(tenant=tenant, action__startswith="export.").order_by("id")
        return list(entries.values_list("action", flat=True))


def queue(stock, django_capture_on_commit_callbacks, role=Role.MANAGER, execute=True, headers=None, **params):
    """An emailed export is a POST: the download's options and `email` in a JSON body."""
    with django_capture_on_commit_callbacks(execute=execute) as callbacks:
        response = stock.client(role).post(EXPORTS, {**OCTOBER, **params}, format="json", headers=headers)
    return response, callbacks


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_smtp():
    """A real SMTP backend pointed at a port nobody listens on: sending fails at the network."""
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=closed_port(),
        EMAIL_TIMEOUT=2,
    )


def test_emailed_xlsx_arrives_as_an_attachment_that_opens(stock, django_capture_on_commit_callbacks):
    address = email_of(stock, Role.MANAGER)

    response, _ = queue(stock, django_capture_on_commit_callbacks, format="xlsx", email=address.upper())

    assert response.status_code == 202, response.content
    job = jobs_of(stock.ws.tenant)[0]
    assert response.json() == {"status": "queued", "export": job.pk, "format": "xlsx", "recipients": [address]}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [address]
    assert "Le Comptoir" in message.subject
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == ("stockscan_le-comptoir_all_2026-10.xlsx", XLSX_TYPE)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Inventory", "Losses", "Summary"]
    assert workbook["Inventory"]["D2"].value == "Rhum ambré"
    job.refresh_from_db()
    assert (job.status, job.row_count, job.attempts) == (EmailedExportStatus.SENT, 5, 1)
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 1
    assert actions(stock.ws.tenant) == ["export.email_queued", "export.emailed"]
    assert jobs_of(stock.other.tenant) == []


def test_emailed_csv_goes_to_each_member_with_the_message_escaped(stock, django_capture_on_commit_callbacks):
    owner, manager = stock.ws.user(Role.OWNER), stock.ws.user(Role.MANAGER)
    manager.language = "en"
    manager.save()
    note = '<script>alert("x")</script>\nÀ vérifier avant lundi'

    response, _ = queue(
        stock,
        django_capture_on_commit_callbacks,
        role=Role.OWNER,
        format="csv",
        sep=",",
        service=str(stock.ws.bar.pk),
        email=f"{owner.email}, {manager.email}",
        message=note,
    )

    assert response.status_code == 202, response.content
    assert sorted(message.to[0] for message in mail.outbox) == sorted([owner.email, manager.email])
    for message in mail.outbox:
        html, html_type = message.alternatives[0]
        assert html_type == "text/html"
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>À vérifier avant lundi" in html
        assert note in message.body
        ((filename, content, mimetype),) = message.attachments
        assert (filename, mimetype) == ("stockscan_le-comptoir_bar_2026-10.csv", "text/csv")
        assert content.startswith("\ufeff")
        lines = content.splitlines()
        assert lines[1].startswith("2026-10,Bar,Spiritueux,Rhum ambré,3760000000017")
    english = next(message for message in mail.outbox if message.to == [manager.email])
    assert english.subject.startswith("StockScan export: Le Comptoir")
    assert quota_used(stock.ws.tenant, Metric.EXPORT_CSV) == 1


@pytest.mark.parametrize(
    "recipient",
    [
        pytest.param(lambda stock: "stranger@example.test", id="not-a-member"),
        pytest.param(lambda stock: stock.other.user(Role.OWNER).email, id="member-of-another-business"),
        pytest.param(lambda stock: "not-an-address", id="not-an-address"),
    ],
)
def test_only_members_of_the_business_receive_exports(stock, django_capture_on_commit_callbacks, recipient):
    response, _ = queue(stock, django_capture_on_commit_callbacks, format="xlsx", email=recipient(stock))

    if recipient(stock) == "not-an-address":
        body = assert_error(response, 400, "VALIDATION_ERROR")
    else:
        body = assert_error(response, 400, "RECIPIENT_NOT_ALLOWED")
    assert list(body["fields"]) == ["email"]
    assert jobs_of(stock.ws.tenant) == []
    assert mail.outbox == []
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0


def test_a_disabled_member_receives_nothing(stock, django_capture_on_commit_callbacks):
    membership = stock.ws.members[Role.OPERATOR]
    with scopes_disabled():
        membership.status = MembershipStatus.DISABLED
        membership.save()

    response, _ = queue(stock, django_capture_on_commit_callbacks, format="xlsx", email=email_of(stock, Role.OPERATOR))

    assert list(assert_error(response, 400, "RECIPIENT_NOT_ALLOWED")["fields"]) == ["email"]


def test_a_member_limited_to_a_service_receives_only_that_service(stock, django_capture_on_commit_callbacks):
    address = email_of(stock, "operator_bar")

    everything, _ = queue(stock, django_capture_on_commit_callbacks, format="csv", email=address)
    bar_only, _ = queue(stock, django_capture_on_commit_callbacks, format="csv", email=address, service=stock.ws.bar.pk)

    assert assert_error(everything, 400, "RECIPIENT_NOT_ALLOWED")["fields"]["email"] == [
        f"{address} cannot see every service of this export."
    ]
    assert bar_only.status_code == 202
    assert [message.to for message in mail.outbox] == [[address]]


def test_emailed_exports_need_the_entitlement(stock, django_capture_on_commit_callbacks):
    set_plan(stock.ws.tenant, PlanCode.BOUTIQUE)

    response, _ = queue(stock, django_capture_on_commit_callbacks, format="csv", email=email_of(stock, Role.OWNER))

    assert assert_error(response, 403, "FEATURE_NOT_INCLUDED")["feature"] == "exports_email"
    assert quota_used(stock.ws.tenant, Metric.EXPORT_CSV) == 0


def test_emailed_exports_draw_on_the_quota(stock, django_capture_on_commit_callbacks):
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=stock.ws.tenant, limits={"xlsx_monthly_limit": 1})
    address = email_of(stock, Role.OWNER)

    first, _ = queue(stock, django_capture_on_commit_callbacks, format="xlsx", email=address)
    second, _ = queue(stock, django_capture_on_commit_callbacks, format="xlsx", email=address)

    assert first.status_code == 202
    assert_error(second, 403, "LIMIT_EXPORT_XLSX_MONTH")
    assert len(jobs_of(stock.ws.tenant)) == 1


@override_settings(EXPORT_EMAILS_PER_HOUR=2)
def test_emailed_exports_are_limited_per_business_and_hour(stock, django_capture_on_commit_callbacks):
    address = email_of(stock, Role.OWNER)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        answers = [queue(stock, django_capture_on_commit_callbacks, format="csv", email=address)[0] for _ in range(3)]
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        later, _ = queue(stock, django_capture_on_commit_callbacks, format="csv", email=address)

    assert [answer.status_code for answer in answers[:2]] == [202, 202]
    body = assert_error(answers[2], 429, "THROTTLED")
    assert body["retry_after"] == 3600
    assert answers[2]["Retry-After"] == "3600"
    assert later.status_code == 202
    assert quota_used(stock.ws.tenant, Metric.EXPORT_CSV) == 3, "the refused request used no quota"
    assert len(jobs_of(stock.ws.tenant)) == 3


def test_an_export_emailed_while_smtp_is_down_waits_in_the_outbox_and_arrives_once(
    stock, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False), unreachable_smtp():
        response, _ = queue(stock, django_capture_on_commit_callbacks, format="xlsx", email=email_of(stock, Role.OWNER))
        call_command("run_due_work", stdout=io.StringIO())  # built and handed over once

    assert response.status_code == 202
    job = jobs_of(stock.ws.tenant)[0]
    assert (job.status, job.attempts) == (EmailedExportStatus.SENT, 1)
    with scopes_disabled():
        waiting = OutboundEmail.objects.get(tenant=stock.ws.tenant, template="exports/export_email")
    assert (waiting.status, waiting.attempts) == (EmailStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in waiting.last_error
    assert mail.outbox == []

    with (
        time_machine.travel(start + timedelta(minutes=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("run_due_work", stdout=io.StringIO())
        call_command("run_due_work", stdout=io.StringIO())  # already sent and built: never twice

    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][0].endswith(".xlsx")
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 1
    with scopes_disabled():
        assert OutboundEmail.objects.filter(template="exports/export_email").count() == 1


def test_a_requester_who_lost_the_right_to_export_sends_nothing(stock, django_capture_on_commit_callbacks):
    response, callbacks = queue(
        stock, django_capture_on_commit_callbacks, execute=False, format="xlsx", email=email_of(stock, Role.OWNER)
    )
    assert response.status_code == 202
    membership = stock.ws.members[Role.MANAGER]
    with scopes_disabled():
        membership.role = Role.OPERATOR
        membership.save()

    for callback in callbacks:  # the task runs once the request's transaction has committed
        callback()

    job = jobs_of(stock.ws.tenant)[0]
    assert (job.status, job.attempts) == (EmailedExportStatus.FAILED, 1)
    assert mail.outbox == []
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0


def test_a_service_deleted_before_the_task_runs_fails_cleanly(stock, django_capture_on_commit_callbacks):
    terrace = ServiceFactory(tenant=stock.ws.tenant, name="Terrasse")
    response, callbacks = queue(
        stock,
        django_capture_on_commit_callbacks,
        execute=False,
        format="csv",
        service=terrace.pk,
        email=email_of(stock, Role.OWNER),
    )
    assert response.status_code == 202
    with scopes_disabled():
        terrace.delete()

    for callback in callbacks:
        callback()

    job = jobs_of(stock.ws.tenant)[0]
    assert (job.status, job.last_error) == (EmailedExportStatus.FAILED, "This service does not exist.")
    assert mail.outbox == []
    assert quota_used(stock.ws.tenant, Metric.EXPORT_CSV) == 0


def test_months_a_downgrade_hides_are_not_sent(stock, django_capture_on_commit_callbacks):
    response, callbacks = queue(
        stock, django_capture_on_commit_callbacks, execute=False, format="xlsx", email=email_of(stock, Role.OWNER)
    )
    assert response.status_code == 202
    set_plan(stock.ws.tenant, PlanCode.ESSENTIEL)

    for callback in callbacks:
        callback()

    job = jobs_of(stock.ws.tenant)[0]
    assert job.status == EmailedExportStatus.FAILED
    assert mail.outbox == []
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0
