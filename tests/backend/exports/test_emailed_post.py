"""An emailed export is a POST: a GET only downloads (asking it to email is refused and uses
no quota); the POST uses one unit of quota once, and the same request sent again with its
Idempotency-Key answers the first export — also when the retries arrive at once."""

from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.entitlements.models import TenantPlanOverride
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.exports.models import EmailedExport
from stockscan.orgs.models import Role
from tests.backend.core.responses import assert_error
from tests.backend.exports.conftest import EXPORT_EXCEL, EXPORTS, quota_used
from tests.conftest import client_for, make_workspace
from tests.factories import CountLineFactory, StockCountFactory
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

OCTOBER = {"from": "2026-10", "to": "2026-10"}


def jobs_of(tenant) -> list[EmailedExport]:
    with scopes_disabled():
        return list(EmailedExport.objects.filter(tenant=tenant).order_by("id"))


def post(stock, capture, body, key=None, role=Role.OWNER):
    headers = {"Idempotency-Key": key} if key else None
    with capture(execute=True):
        return stock.client(role).post(EXPORTS, {**OCTOBER, **body}, format="json", headers=headers)


@pytest.mark.parametrize(
    ("url", "params", "metric"),
    [
        (EXPORTS, {**OCTOBER, "format": "xlsx"}, Metric.EXPORT_XLSX),
        (EXPORTS, {**OCTOBER, "format": "csv"}, Metric.EXPORT_CSV),
        (EXPORT_EXCEL, {"month": "2026-10"}, Metric.EXPORT_XLSX),
    ],
)
def test_a_get_never_emails_and_uses_no_quota(stock, django_capture_on_commit_callbacks, url, params, metric):
    owner = stock.ws.user(Role.OWNER).email
    params = {**params, "service": stock.ws.bar.pk} if url == EXPORT_EXCEL else params

    with django_capture_on_commit_callbacks(execute=True):
        response = stock.client().get(url, {**params, "email": owner})

    body = assert_error(response, 400, "EMAIL_NEEDS_POST")
    assert "POST /api/exports/" in body["detail"]
    assert mail.outbox == []
    assert jobs_of(stock.ws.tenant) == []
    assert quota_used(stock.ws.tenant, metric) == 0


def test_the_post_takes_the_download_options(stock, django_capture_on_commit_callbacks):
    owner = stock.ws.user(Role.OWNER).email

    response = post(
        stock,
        django_capture_on_commit_callbacks,
        {"format": "csv", "sep": ",", "service": str(stock.ws.bar.pk), "mode": "sealed", "email": owner},
    )

    assert response.status_code == 202, response.content
    [job] = jobs_of(stock.ws.tenant)
    assert job.options["service"] == str(stock.ws.bar.pk)
    assert job.options["mode"] == "sealed"
    assert job.csv_separator == ","
    [message] = mail.outbox
    ((filename, content, _),) = message.attachments
    assert filename == "stockscan_le-comptoir_bar_2026-10.csv"
    *rows, totals = content.splitlines()[1:]
    assert rows and all(",Scellé," in row or ",Sealed," in row for row in rows), rows
    assert totals.startswith(("Total,", "Totaux,"))


def test_the_same_request_sent_again_answers_the_first_export(stock, django_capture_on_commit_callbacks):
    body = {"format": "xlsx", "email": stock.ws.user(Role.MANAGER).email, "message": "Pour la clôture"}

    first = post(stock, django_capture_on_commit_callbacks, body, key="export-2026-10-a")
    again = post(stock, django_capture_on_commit_callbacks, body, key="export-2026-10-a")
    other = post(stock, django_capture_on_commit_callbacks, body, key="export-2026-10-b")

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert other.json()["export"] != first.json()["export"]
    assert len(jobs_of(stock.ws.tenant)) == 2
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 2
    assert len(mail.outbox) == 2, "the retry sent nothing"
    with scopes_disabled():
        assert AuditEntry.objects.filter(tenant=stock.ws.tenant, action="export.email_queued").count() == 2


def test_a_key_reused_for_another_export_is_refused(stock, django_capture_on_commit_callbacks):
    owner = stock.ws.user(Role.OWNER).email
    post(stock, django_capture_on_commit_callbacks, {"format": "xlsx", "email": owner}, key="k-1")

    other_format = post(stock, django_capture_on_commit_callbacks, {"format": "csv", "email": owner}, key="k-1")
    other_month = post(
        stock, django_capture_on_commit_callbacks, {"format": "xlsx", "email": owner, "from": "2026-09"}, key="k-1"
    )

    assert_error(other_format, 409, "IDEMPOTENCY_KEY_REUSED")
    assert_error(other_month, 409, "IDEMPOTENCY_KEY_REUSED")
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 1
    assert quota_used(stock.ws.tenant, Metric.EXPORT_CSV) == 0
    assert len(jobs_of(stock.ws.tenant)) == 1


def test_a_bad_key_is_refused(stock, django_capture_on_commit_callbacks):
    response = post(
        stock, django_capture_on_commit_callbacks, {"format": "xlsx", "email": stock.ws.user(Role.OWNER).email}, "a b"
    )

    assert_error(response, 400, "INVALID_IDEMPOTENCY_KEY")
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0


def test_a_key_is_the_business_own(stock, django_capture_on_commit_callbacks):
    """Tenant B using A's key makes B's own export: keys never meet across businesses."""
    post(stock, django_capture_on_commit_callbacks, {"format": "xlsx", "email": stock.ws.user(Role.OWNER).email}, "k")
    with django_capture_on_commit_callbacks(execute=True):
        theirs = stock.other.client(Role.OWNER).post(
            EXPORTS,
            {**OCTOBER, "format": "xlsx", "email": stock.other.user(Role.OWNER).email},
            format="json",
            headers={"Idempotency-Key": "k"},
        )

    assert theirs.status_code == 202, theirs.content
    assert [job.pk for job in jobs_of(stock.other.tenant)] == [theirs.json()["export"]]
    assert quota_used(stock.other.tenant, Metric.EXPORT_XLSX) == 1


def test_an_operator_cannot_email_exports(stock, django_capture_on_commit_callbacks):
    response = post(
        stock,
        django_capture_on_commit_callbacks,
        {"format": "xlsx", "email": stock.ws.user(Role.OWNER).email},
        role=Role.OPERATOR,
    )

    assert_error(response, 403, "PERMISSION_DENIED")
    assert jobs_of(stock.ws.tenant) == []


# --- Concurrency (PostgreSQL)


def _busy_workspace(name: str, xlsx_limit: int):
    workspace = make_workspace(name)
    set_plan(workspace.tenant, PlanCode.PRO)
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=workspace.tenant, limits={"xlsx_monthly_limit": xlsx_limit})
    count = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))
    CountLineFactory(count=count, product__name="Rhum")
    return workspace


def _post_from_thread(workspace, key):
    owner = workspace.user(Role.OWNER)
    response = client_for(owner).post(
        EXPORTS,
        {**OCTOBER, "format": "xlsx", "email": owner.email},
        format="json",
        headers={"Idempotency-Key": key} if key else None,
    )
    body = response.json()
    return response.status_code, body.get("export") or body.get("code")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent transactions need PostgreSQL")
def test_twelve_concurrent_retries_of_one_export_use_one_unit():
    workspace = _busy_workspace("Concurrent retries", xlsx_limit=1)

    results = run_concurrently(12, lambda _: _post_from_thread(workspace, "the-one-key"))

    [job] = jobs_of(workspace.tenant)
    assert results == [(202, job.pk)] * 12, results
    assert quota_used(workspace.tenant, Metric.EXPORT_XLSX) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent transactions need PostgreSQL")
def test_twelve_concurrent_emailed_exports_against_a_limit_of_four():
    workspace = _busy_workspace("Concurrent emailed exports", xlsx_limit=4)
    other = make_workspace("Other tenant")

    results = run_concurrently(12, lambda index: _post_from_thread(workspace, f"key-{index}"))

    accepted = [result for result in results if result[0] == 202]
    assert len(accepted) == 4, results
    assert sorted(result for result in results if result[0] != 202) == [(403, "LIMIT_EXPORT_XLSX_MONTH")] * 8
    assert len(jobs_of(workspace.tenant)) == 4
    assert quota_used(workspace.tenant, Metric.EXPORT_XLSX) == 4
    assert quota_used(other.tenant, Metric.EXPORT_XLSX) == 0
    assert connection.vendor == "postgresql"
