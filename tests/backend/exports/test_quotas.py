"""Monthly export quotas: refused over the limit, given back when an export fails or does not
reach its user, and exact under concurrent requests on PostgreSQL."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.entitlements.models import TenantPlanOverride
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.entitlements.selectors import current_period
from stockscan.inventory.models import CountLine, Product
from stockscan.orgs.models import Role
from tests.backend.core.responses import assert_error
from tests.backend.exports.conftest import EXPORT_EXCEL, EXPORTS, body_of, open_xlsx, quota_used, read_csv
from tests.conftest import client_for, make_workspace
from tests.factories import CountLineFactory, StockCountFactory
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently


def assert_server_error(response):
    """An outage is the one 500 an export may answer: in the JSON error format."""
    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert response.json()["code"] == "INTERNAL_ERROR"


def downloads_audited(tenant) -> int:
    with scopes_disabled():
        return AuditEntry.objects.filter(tenant=tenant, action="export.downloaded").count()


@pytest.fixture
def free_plan(workspace, other_workspace):
    """ESSENTIEL: one CSV and one XLSX export a month; a line counted this month."""
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    count = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=current_period(workspace.tenant))
    CountLineFactory(count=count)
    return workspace


def fail_queries_on(table: str):
    """A database that fails the query reading `table`: an outage while the export runs."""

    def execute(run, sql, params, many, context):
        # A SELECT, or the COPY that writes a CSV on PostgreSQL.
        if table in sql and sql.lstrip().upper().startswith(("SELECT", "COPY")):
            raise ConnectionError(f"the database went away while reading {table}")
        return run(sql, params, many, context)

    return connection.execute_wrapper(execute)


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "params", "metric", "code"),
    [
        pytest.param(EXPORTS, {"format": "csv"}, Metric.EXPORT_CSV, "LIMIT_EXPORT_CSV_MONTH", id="csv"),
        pytest.param(EXPORTS, {"format": "xlsx"}, Metric.EXPORT_XLSX, "LIMIT_EXPORT_XLSX_MONTH", id="xlsx"),
        pytest.param(EXPORT_EXCEL, {}, Metric.EXPORT_XLSX, "LIMIT_EXPORT_XLSX_MONTH", id="export-excel"),
    ],
)
def test_over_the_monthly_quota_is_refused(free_plan, other_workspace, url, params, metric, code):
    client = free_plan.client(Role.MANAGER)
    params = {**params, "service": free_plan.bar.pk}

    first = client.get(url, params)
    assert first.status_code == 200
    body_of(first)
    second = client.get(url, params)

    body = assert_error(second, 403, code)
    assert (body["limit"], body["used"]) == (1, 1)
    assert quota_used(free_plan.tenant, metric) == 1
    assert quota_used(other_workspace.tenant, metric) == 0
    assert downloads_audited(free_plan.tenant) == 1


def test_csv_and_xlsx_quotas_are_separate(free_plan):
    client = free_plan.client()

    read_csv(client.get(EXPORTS, {"format": "csv"}))
    open_xlsx(client.get(EXPORTS, {"format": "xlsx"}))

    assert quota_used(free_plan.tenant, Metric.EXPORT_CSV) == 1
    assert quota_used(free_plan.tenant, Metric.EXPORT_XLSX) == 1


def test_xlsx_failing_midway_uses_no_quota(free_plan):
    client = free_plan.client()

    # The inventory sheet is written, then reading the losses fails.
    with fail_queries_on("inventory_loss"):
        failed = client.get(EXPORTS, {"format": "xlsx"})

    assert_server_error(failed)
    assert quota_used(free_plan.tenant, Metric.EXPORT_XLSX) == 0
    assert downloads_audited(free_plan.tenant) == 0
    open_xlsx(client.get(EXPORTS, {"format": "xlsx"}))
    assert quota_used(free_plan.tenant, Metric.EXPORT_XLSX) == 1


def test_csv_failing_before_the_first_byte_is_an_error_answer_and_uses_no_quota(free_plan):
    client = free_plan.client()

    with fail_queries_on("inventory_countline"):
        failed = client.get(EXPORTS, {"format": "csv"})

    assert_server_error(failed)
    assert quota_used(free_plan.tenant, Metric.EXPORT_CSV) == 0
    read_csv(client.get(EXPORTS, {"format": "csv"}))
    assert quota_used(free_plan.tenant, Metric.EXPORT_CSV) == 1


@pytest.mark.django_db(transaction=True)
def test_csv_cut_short_gives_the_unit_back(free_plan):
    """A download the client abandons (the connection drops) did not deliver the export.
    Committed data (transaction=True): closing the response closes the database connection,
    as at the end of any request."""
    with scopes_disabled():
        count = CountLine.objects.get(tenant=free_plan.tenant).count
        products = Product.objects.bulk_create(
            Product(tenant=free_plan.tenant, service=free_plan.bar, name=f"Produit {i:04d} " + "x" * 80)
            for i in range(1500)
        )
        CountLine.objects.bulk_create(
            CountLine(tenant=free_plan.tenant, count=count, product=product, quantity=Decimal(1))
            for product in products
        )
    response = free_plan.client().get(EXPORTS, {"format": "csv"})
    assert response.status_code == 200
    first_chunk = next(iter(response.streaming_content))
    assert first_chunk.startswith("\ufeff".encode())
    assert quota_used(free_plan.tenant, Metric.EXPORT_CSV) == 1, "reserved before the first byte"

    response.close()  # what the WSGI server does when the client goes away

    assert quota_used(free_plan.tenant, Metric.EXPORT_CSV) == 0
    assert downloads_audited(free_plan.tenant) == 0


def test_refused_requests_use_no_quota(free_plan):
    client = free_plan.client()

    assert_error(client.get(EXPORTS, {"format": "csv", "from": "2026-13"}), 400, "INVALID_MONTH")
    assert_error(free_plan.client(Role.OPERATOR).get(EXPORTS, {"format": "csv"}), 403, "PERMISSION_DENIED")

    assert quota_used(free_plan.tenant, Metric.EXPORT_CSV) == 0


# --- Concurrency (PostgreSQL)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent transactions need PostgreSQL")
@pytest.mark.parametrize(
    ("file_format", "metric", "code"),
    [("xlsx", Metric.EXPORT_XLSX, "LIMIT_EXPORT_XLSX_MONTH"), ("csv", Metric.EXPORT_CSV, "LIMIT_EXPORT_CSV_MONTH")],
)
def test_thirty_concurrent_exports_against_a_limit_of_five(file_format, metric, code):
    workspace = make_workspace("Concurrent exports")
    other = make_workspace("Other tenant")
    set_plan(workspace.tenant, PlanCode.PRO)
    with scopes_disabled():
        TenantPlanOverride.objects.create(
            tenant=workspace.tenant, limits={"xlsx_monthly_limit": 5, "csv_monthly_limit": 5}
        )
    count = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))
    CountLineFactory(count=count, product__name="Rhum")
    manager = workspace.user(Role.MANAGER)

    def export(_):
        client = client_for(manager)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # sheet names in English
        response = client.get(EXPORTS, {"format": file_format, "from": "2026-10", "to": "2026-10"})
        if response.status_code != 200:
            return response.status_code, response.json()["code"], None
        content = body_of(response)
        if file_format == "xlsx":
            product = openpyxl.load_workbook(io.BytesIO(content))["Inventory"]["D2"].value
        else:
            product = content.decode("utf-8-sig").splitlines()[1].split(";")[3]
        return 200, None, product

    results = run_concurrently(30, export)

    assert sorted(results, key=str) == sorted([(200, None, "Rhum")] * 5 + [(403, code, None)] * 25, key=str), results
    assert quota_used(workspace.tenant, metric) == 5
    assert downloads_audited(workspace.tenant) == 5
    assert quota_used(other.tenant, metric) == 0
