"""A bar and a kitchen with counted months and losses, plus another tenant with data of its
own; helpers that open the files the export routes answer."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django_scopes import scopes_disabled

from stockscan.entitlements.models import UsageCounter
from stockscan.entitlements.plans import Metric, PlanCode
from tests.conftest import Workspace
from tests.factories import CategoryFactory, CountLineFactory, LossFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan

EXPORTS = "/api/exports/"
EXPORT_EXCEL = "/api/export-excel/"
OCTOBER, SEPTEMBER = date(2026, 10, 1), date(2026, 9, 1)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INJECTION = '=HYPERLINK("http://evil.example","Cliquez")'


@dataclass
class Stock:
    ws: Workspace
    other: Workspace

    def client(self, role="owner"):
        """A member's client asking for English, so headers and sheet names are known."""
        client = self.ws.client(role)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client


@pytest.fixture
def stock(workspace, other_workspace) -> Stock:
    """October and September of the bar, October of the kitchen, a few losses; tenant B
    counts October too, with names that must never show in A's files."""
    set_plan(workspace.tenant, PlanCode.PRO)
    set_plan(other_workspace.tenant, PlanCode.PRO)
    tenant, bar, kitchen = workspace.tenant, workspace.bar, workspace.kitchen
    spirits = CategoryFactory(tenant=tenant, service=bar, name="Spiritueux")
    softs = CategoryFactory(tenant=tenant, service=bar, name="Softs")
    rum = ProductFactory(
        tenant=tenant,
        service=bar,
        category=spirits,
        name="Rhum ambré",
        barcode="3760000000017",
        sku="BAR-0001",
        unit="pcs",
        purchase_price=Decimal("18.90"),
        selling_price=Decimal("45"),
        min_quantity=Decimal("2"),
    )
    cola = ProductFactory(
        tenant=tenant,
        service=bar,
        category=softs,
        name="Cola 33cl",
        barcode="",
        purchase_price=Decimal("0.6333"),
        selling_price=Decimal("2.50"),
    )
    trap = ProductFactory(tenant=tenant, service=bar, name=INJECTION, barcode="+33123", sku="@SUM(A1)")
    october = StockCountFactory(tenant=tenant, service=bar, month=OCTOBER)
    CountLineFactory(count=october, product=rum, quantity=Decimal("4"), expiry_date=date(2027, 3, 31), lot="L-42")
    CountLineFactory(
        count=october, product=rum, quantity=Decimal("1"), container_state="OPENED", remaining_fraction=Decimal("0.4")
    )
    CountLineFactory(count=october, product=cola, quantity=Decimal("24"))
    CountLineFactory(count=october, product=trap, quantity=Decimal("1"), lot="-1+1")
    september = StockCountFactory(tenant=tenant, service=bar, month=SEPTEMBER)
    CountLineFactory(count=september, product=rum, quantity=Decimal("5"), unit_cost=Decimal("17.50"))
    flour = ProductFactory(tenant=tenant, service=kitchen, name="Farine T55", unit="kg", purchase_price=Decimal("1.2"))
    CountLineFactory(count=StockCountFactory(tenant=tenant, service=kitchen, month=OCTOBER), product=flour)
    LossFactory(product=rum, quantity=Decimal("1"), reason="breakage", occurred_on=date(2026, 10, 3), note="@chef")
    LossFactory(product=cola, quantity=Decimal("6"), reason="expired", occurred_on=date(2026, 10, 20))
    LossFactory(product=rum, quantity=Decimal("1"), reason="theft", occurred_on=date(2026, 9, 30))

    foreign = StockCountFactory(tenant=other_workspace.tenant, service=other_workspace.bar, month=OCTOBER)
    CountLineFactory(count=foreign, product__service=other_workspace.bar, product__name="Secret d'Autrui")
    LossFactory(
        product__tenant=other_workspace.tenant,
        product__service=other_workspace.bar,
        product__name="Perte d'Autrui",
        occurred_on=date(2026, 10, 3),
    )
    return Stock(ws=workspace, other=other_workspace)


def body_of(response) -> bytes:
    """The whole file; the test client closes the response once it is read."""
    return b"".join(response.streaming_content)


def open_xlsx(response, *, data_only=False) -> openpyxl.Workbook:
    """The workbook; with `data_only`, the totals row's cached values instead of its SUM
    formulas (what a reader shows before it recalculates)."""
    assert response.status_code == 200, response.content if not response.streaming else response
    assert response["Content-Type"] == XLSX_TYPE
    return openpyxl.load_workbook(io.BytesIO(body_of(response)), data_only=data_only)


def _without_totals(rows: list, totals: bool) -> list:
    """Every sheet ends with its totals row: the header and data rows, or all of them."""
    assert rows and rows[-1][0] == "Total", rows[-1:]
    return rows if totals else rows[:-1]


def read_csv(response, separator=";", *, totals=False) -> list[list[str]]:
    assert response.status_code == 200, response.content if not response.streaming else response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = body_of(response)
    assert raw.startswith("\ufeff".encode()), "Excel needs the byte order mark to read UTF-8"
    return _without_totals(list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=separator)), totals)


def sheet_rows(sheet, *, totals=False) -> list[tuple]:
    return _without_totals([tuple(row) for row in sheet.iter_rows(values_only=True)], totals)


def quota_used(tenant, metric: Metric) -> int:
    with scopes_disabled():
        return UsageCounter.objects.filter(tenant=tenant, metric=metric).values_list("used", flat=True).first() or 0
