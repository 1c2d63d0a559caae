"""Downloads: the files opened as a user would (openpyxl, the csv module), their headers,
values, formats, sheets and filters; formula injection; roles, retention, isolation; the
audit; and a query count that does not grow with the rows."""

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.entitlements.selectors import current_period
from stockscan.inventory.models import Product, StockCount
from stockscan.orgs.models import Role
from tests.backend.core.responses import assert_error
from tests.backend.exports.conftest import (
    EXPORT_EXCEL,
    EXPORTS,
    INJECTION,
    body_of,
    open_xlsx,
    quota_used,
    read_csv,
    sheet_rows,
)
from tests.conftest import client_for
from tests.factories import CategoryFactory, CountLineFactory, MembershipFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

OCTOBER = {"from": "2026-10", "to": "2026-10"}
INVENTORY_HEADER = [
    "Month",
    "Service",
    "Category",
    "Product",
    "Barcode",
    "SKU",
    "Container",
    "Quantity",
    "Unit",
    "Minimum",
    "Remaining fraction",
    "Remaining quantity",
    "Expiry date",
    "Lot",
    "Unit cost excl. VAT",
    "Selling price",
    "VAT rate",
    "Stock value excl. VAT",
    "Potential sales excl. VAT",
    "VAT",
    "Potential sales incl. VAT",
]


def cells(line: str) -> list[str]:
    return line.split(";")


def _barcode_of(stock, name):
    with scopes_disabled():
        return Product.objects.get(tenant=stock.ws.tenant, name=name).barcode


# --- CSV


def test_csv_holds_the_months_lines_for_french_excel(stock):
    rows = read_csv(stock.client(Role.MANAGER).get(EXPORTS, {**OCTOBER, "format": "csv"}))

    flour = _barcode_of(stock, "Farine T55")
    rum = "Rhum ambré;3760000000017;BAR-0001"
    # Selling prices include VAT (the tenant's default); no VAT rate is a rate of 0.
    assert rows == [
        INVENTORY_HEADER,
        cells(
            f"2026-10;Bar;Spiritueux;{rum};Sealed;4,000;piece;2,000;;;2027-03-31;L-42;18,90;45,00;;75,60;180,00;0,00;180,00"
        ),
        cells(f"2026-10;Bar;Spiritueux;{rum};Opened;1,000;piece;2,000;0,4;;;;18,90;45,00;;7,56;18,00;0,00;18,00"),
        cells("2026-10;Bar;Softs;Cola 33cl;;;Sealed;24,000;piece;;;;;;0,6333;2,50;;15,20;60,00;0,00;60,00"),
        cells(
            f"2026-10;Bar;;'{INJECTION};'+33123;'@SUM(A1);Sealed;1,000;piece;;;;;'-1+1;2,50;4,00;;2,50;4,00;0,00;4,00"
        ),
        cells(f"2026-10;Cuisine;;Farine T55;{flour};;Sealed;3,000;kg;;;;;;1,20;4,00;;3,60;12,00;0,00;12,00"),
    ]


def test_csv_with_a_comma_separator_uses_decimal_points(stock):
    rows = read_csv(
        stock.client().get(EXPORTS, {**OCTOBER, "format": "csv", "sep": ",", "service": stock.ws.bar.pk}), ","
    )

    assert rows[0] == INVENTORY_HEADER
    cola = rows[3]
    assert cola[3] == "Cola 33cl"
    assert cola[7:] == ["24.000", "piece", "", "", "", "", "", "0.6333", "2.50", "", "15.20", "60.00", "0.00", "60.00"]
    assert {row[1] for row in rows[1:]} == {"Bar"}


@pytest.mark.parametrize(("separator", "price", "value"), [(";", "0,125", "0,13"), (",", "0.125", "0.13")])
def test_a_line_worth_half_a_cent_is_rounded_up_in_the_csv(stock, separator, price, value):
    """Amounts are rounded half up where a line is valued (DESIGN.md, "Money and counting"),
    as the API and the stats do: a line worth 0.125 is 0,13, not the banker's 0,12."""
    kitchen = stock.ws.kitchen
    with scopes_disabled():
        october = StockCount.objects.get(service=kitchen, month=date(2026, 10, 1))
    salt = ProductFactory(tenant=stock.ws.tenant, service=kitchen, name="Fleur de sel", purchase_price=Decimal("0.125"))
    CountLineFactory(count=october, product=salt, quantity=Decimal("1"))

    rows = read_csv(
        stock.client().get(EXPORTS, {**OCTOBER, "format": "csv", "sep": separator, "service": kitchen.pk}), separator
    )

    [line] = [dict(zip(INVENTORY_HEADER, row, strict=True)) for row in rows if row[3] == "Fleur de sel"]
    assert (line["Unit cost excl. VAT"], line["Stock value excl. VAT"]) == (price, value)


def test_csv_is_streamed_with_a_named_attachment(stock):
    response = stock.client().get(EXPORTS, {**OCTOBER, "format": "csv", "service": stock.ws.bar.pk})

    assert response.streaming
    assert response["Content-Disposition"] == (
        'attachment; filename="stockscan_le-comptoir_bar_2026-10.csv"; '
        "filename*=utf-8''stockscan_le-comptoir_bar_2026-10.csv"
    )
    assert response["Cache-Control"] == "private, no-store"
    body_of(response)


def test_accented_names_get_an_ascii_filename_and_an_rfc5987_one(stock):
    tenant, bar = stock.ws.tenant, stock.ws.bar
    tenant.name = "Crêperie Dupré"
    tenant.save()
    with scopes_disabled():
        bar.name = "Cave à vins"
        bar.save()

    response = stock.client().get(EXPORT_EXCEL, {"service": bar.pk, "month": "2026-10"})

    exact = "stockscan_crêperie-dupré_cave-à-vins_2026-10.xlsx"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"stockscan_creperie-dupre_cave-a-vins_2026-10.xlsx\"; filename*=utf-8''{quote(exact)}"
    )
    body_of(response)


# --- XLSX


def test_a_french_speaking_member_gets_french_sheets_and_headers(stock):
    client = stock.ws.client(Role.MANAGER)  # no Accept-Language: the site's French
    workbook = open_xlsx(client.get(EXPORTS, {**OCTOBER, "format": "xlsx"}))

    assert workbook.sheetnames == ["Inventaire", "Pertes", "Synthèse"]
    header = [cell.value for cell in workbook["Inventaire"][1]]
    assert header[:4] == ["Mois", "Service", "Catégorie", "Produit"]


def test_xlsx_has_inventory_losses_and_summary_sheets_with_typed_cells(stock):
    workbook = open_xlsx(stock.client(Role.MANAGER).get(EXPORTS, {**OCTOBER, "format": "xlsx"}))

    assert workbook.sheetnames == ["Inventory", "Losses", "Summary"]
    inventory = workbook["Inventory"]
    rows = sheet_rows(inventory)
    assert list(rows[0]) == INVENTORY_HEADER
    october = datetime(2026, 10, 1)
    rum = (october, "Bar", "Spiritueux", "Rhum ambré", "3760000000017", "BAR-0001")
    sealed = ("Sealed", 4, "piece", 2, None, None, datetime(2027, 3, 31), "L-42", 18.9, 45, None, 75.6, 180, 0, 180)
    assert rows[1] == (*rum, *sealed)
    assert rows[2][6:11] == ("Opened", 1, "piece", 2, 0.4)
    assert rows[2][17] == 7.56
    cola = (october, "Bar", "Softs", "Cola 33cl", None, None)
    # The line is worth 24 x 0.6333 = 15.1992: the cell holds the rounded 15.2, as the API does.
    assert rows[3] == (*cola, "Sealed", 24, "piece", None, None, None, None, None, 0.6333, 2.5, None, 15.2, 60, 0, 60)
    assert rows[5][:4] == (october, "Cuisine", None, "Farine T55")
    assert len(rows) == 6
    # Real dates and numbers, with formats a French accountant reads.
    sealed_rum, opened_rum = inventory[2], inventory[3]
    assert sealed_rum[0].is_date and sealed_rum[0].number_format == "mm/yyyy"
    assert sealed_rum[7].data_type == "n" and sealed_rum[7].number_format == "#,##0.000"
    assert sealed_rum[12].is_date and sealed_rum[12].number_format == "dd/mm/yyyy"
    assert sealed_rum[14].number_format == '#,##0.00## "€"'
    assert sealed_rum[17].number_format == '#,##0.00 "€"'
    assert opened_rum[10].number_format == "0%"
    # A header people can sort and filter by, that stays in view.
    assert inventory.freeze_panes == "A2"
    assert inventory.auto_filter.ref == "A1:U6"
    assert inventory["A1"].font.b
    assert inventory["A1"].fill.fgColor.rgb.endswith("1F4E78")


def test_xlsx_losses_sheet_holds_the_months_losses(stock):
    workbook = open_xlsx(stock.client().get(EXPORTS, {**OCTOBER, "format": "xlsx"}))

    rows = sheet_rows(workbook["Losses"])
    assert list(rows[0]) == [
        "Date",
        "Service",
        "Category",
        "Product",
        "Quantity",
        "Unit",
        "Reason",
        "Unit cost excl. VAT",
        "Value excl. VAT",
        "Note",
        "Recorded by",
    ]
    assert rows[1] == (
        datetime(2026, 10, 3),
        "Bar",
        "Spiritueux",
        "Rhum ambré",
        1,
        "piece",
        "Breakage",
        18.9,
        18.9,
        "@chef",
        None,
    )
    assert rows[2][:7] == (datetime(2026, 10, 20), "Bar", "Softs", "Cola 33cl", 6, "piece", "Expired")
    assert rows[2][8] == 3.8  # 6 x 0.6333 = 3.7998, rounded once, at the loss
    assert len(rows) == 3, "September's loss and the other tenant's are not October's"
    assert workbook["Losses"]["H2"].number_format == '#,##0.00## "€"'


def test_xlsx_summary_per_category_and_unit_is_aggregated(stock):
    workbook = open_xlsx(stock.client().get(EXPORTS, {**OCTOBER, "format": "xlsx"}))

    rows = sheet_rows(workbook["Summary"])
    october = datetime(2026, 10, 1)
    assert list(rows[0]) == [
        "Month",
        "Service",
        "Category",
        "Unit",
        "Lines",
        "Quantity",
        "Stock value excl. VAT",
        "Potential sales excl. VAT",
        "VAT",
        "Potential sales incl. VAT",
        "Potential margin excl. VAT (priced lines)",
        "Stock value without a selling price",
    ]
    assert rows[1] == (october, "Bar", "Softs", "piece", 1, 24, 15.2, 60, 0, 60, 44.8, None)
    assert rows[2] == (october, "Bar", "Spiritueux", "piece", 2, 4.4, 83.16, 198, 0, 198, 114.84, None)
    assert rows[3] == (october, "Bar", None, "piece", 1, 1, 2.5, 4, 0, 4, 1.5, None)
    assert rows[4] == (october, "Cuisine", None, "kg", 1, 3, 3.6, 12, 0, 12, 8.4, None)
    assert len(rows) == 5


def test_the_summary_is_on_every_plan(stock):
    set_plan(stock.ws.tenant, PlanCode.ESSENTIEL)
    with time_machine.travel(datetime(2026, 10, 20, tzinfo=UTC), tick=False):
        workbook = open_xlsx(stock.client().get(EXPORTS, {**OCTOBER, "format": "xlsx"}))

    assert workbook.sheetnames == ["Inventory", "Losses", "Summary"]


def test_month_route_exports_one_service(stock):
    response = stock.client(Role.MANAGER).get(EXPORT_EXCEL, {"service": stock.ws.bar.pk, "month": "2026-10"})

    assert response["Content-Disposition"].startswith('attachment; filename="stockscan_le-comptoir_bar_2026-10.xlsx"')
    rows = sheet_rows(open_xlsx(response)["Inventory"])
    assert [row[1] for row in rows[1:]] == ["Bar"] * 4


def test_month_route_defaults_to_this_month(stock):
    this_month = current_period(stock.ws.tenant)
    count = StockCountFactory(tenant=stock.ws.tenant, service=stock.ws.bar, month=this_month)
    CountLineFactory(count=count, product__name="Ce mois-ci")

    rows = sheet_rows(open_xlsx(stock.client().get(EXPORT_EXCEL, {"service": stock.ws.bar.pk}))["Inventory"])

    assert [row[3] for row in rows[1:]] == ["Ce mois-ci"]
    assert rows[1][0].date() == this_month


def test_french_is_the_default_language_of_the_files(stock):
    response = stock.ws.client().get(EXPORTS, {**OCTOBER, "format": "csv", "service": stock.ws.bar.pk})

    # No English request: the headers are French (or the English msgid until the
    # translation is merged), the same language the API's errors take.
    assert read_csv(response)[0][0] in ("Mois", "Month")


# --- Formula injection


def test_xlsx_writes_formula_like_text_as_text(stock):
    workbook = open_xlsx(stock.client().get(EXPORTS, {**OCTOBER, "format": "xlsx"}))

    # String cells are never evaluated: the text is written as typed, with no visible quote.
    trap = workbook["Inventory"][5]
    assert [trap[3].value, trap[4].value, trap[5].value, trap[13].value] == [INJECTION, "+33123", "@SUM(A1)", "-1+1"]
    assert {trap[index].data_type for index in (3, 4, 5, 13)} == {"s"}
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells), "no cell of the file may be a formula"


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@A1", "\tA", "\rA"])
def test_every_dangerous_first_character_is_neutralised_in_both_formats(stock, dangerous):
    """CSV: a leading quote; XLSX: a string cell, the text as typed."""
    with scopes_disabled():
        Product.objects.filter(tenant=stock.ws.tenant, name="Cola 33cl").update(name=dangerous)
    client = stock.client()

    csv_rows = read_csv(client.get(EXPORTS, {**OCTOBER, "format": "csv", "service": stock.ws.bar.pk}))
    workbook = open_xlsx(client.get(EXPORTS, {**OCTOBER, "format": "xlsx", "service": stock.ws.bar.pk}))

    assert csv_rows[3][3] == "'" + dangerous
    # openpyxl leaves the XML escape of a carriage return as it is; Excel reads it as \r.
    assert workbook["Inventory"]["D4"].value.replace("_x000D_", "\r") == dangerous
    assert workbook["Inventory"]["D4"].data_type == "s"


# --- Filters


def test_range_covers_each_month_in_order(stock):
    rows = read_csv(stock.client().get(EXPORTS, {"from": "2026-09", "to": "2026-10", "format": "csv"}))

    assert [(row[0], row[1], row[3]) for row in rows[1:]] == [
        ("2026-09", "Bar", "Rhum ambré"),
        ("2026-10", "Bar", "Rhum ambré"),
        ("2026-10", "Bar", "Rhum ambré"),
        ("2026-10", "Bar", "Cola 33cl"),
        ("2026-10", "Bar", "'" + INJECTION),
        ("2026-10", "Cuisine", "Farine T55"),
    ]
    assert rows[1][14:18] == ["18,90", "45,00", "", "94,50"], "September is open: valued at today's cost"


@pytest.mark.parametrize(
    ("mode", "states"),
    [("sealed", {"Sealed"}), ("opened", {"Opened"}), ("all", {"Sealed", "Opened"})],
)
def test_mode_keeps_sealed_or_opened_containers(stock, mode, states):
    rows = read_csv(stock.client().get(EXPORTS, {**OCTOBER, "format": "csv", "mode": mode}))

    assert {row[6] for row in rows[1:]} == states


def test_service_filter_and_all_services(stock):
    client = stock.client()

    kitchen = read_csv(client.get(EXPORTS, {**OCTOBER, "format": "csv", "service": stock.ws.kitchen.pk}))
    everything = read_csv(client.get(EXPORTS, {**OCTOBER, "format": "csv", "service": "all"}))

    assert [row[3] for row in kitchen[1:]] == ["Farine T55"]
    assert {row[1] for row in everything[1:]} == {"Bar", "Cuisine"}


def test_the_service_header_is_honoured_and_the_query_wins(stock):
    client = stock.client()

    by_header = read_csv(client.get(EXPORTS, {**OCTOBER, "format": "csv"}, HTTP_X_SERVICE_ID=str(stock.ws.kitchen.pk)))
    all_by_query = read_csv(
        client.get(EXPORTS, {**OCTOBER, "format": "csv", "service": "all"}, HTTP_X_SERVICE_ID=str(stock.ws.kitchen.pk))
    )

    assert {row[1] for row in by_header[1:]} == {"Cuisine"}
    assert {row[1] for row in all_by_query[1:]} == {"Bar", "Cuisine"}


def test_member_limited_to_a_service_exports_only_that_service(stock):
    manager_bar = MembershipFactory(tenant=stock.ws.tenant, role=Role.MANAGER, service=stock.ws.bar)
    client = client_for(manager_bar.user)

    everything = read_csv(client.get(EXPORTS, {**OCTOBER, "format": "csv"}))
    kitchen = client.get(EXPORTS, {**OCTOBER, "format": "csv", "service": stock.ws.kitchen.pk})

    assert {row[1] for row in everything[1:]} == {"Bar"}
    assert_error(kitchen, 404, "NOT_FOUND")


def test_months_before_the_plans_history_are_refused_like_inventory_reads(stock):
    set_plan(stock.ws.tenant, PlanCode.ESSENTIEL)
    client = stock.client()

    refused = client.get(EXPORTS, {**OCTOBER, "format": "csv"})
    month_route = client.get(EXPORT_EXCEL, {"service": stock.ws.bar.pk, "month": "2026-10"})

    assert_error(refused, 403, "MONTH_OUTSIDE_HISTORY")
    assert_error(month_route, 403, "MONTH_OUTSIDE_HISTORY")
    assert quota_used(stock.ws.tenant, Metric.EXPORT_CSV) == 0
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0


# --- Roles and isolation


ANONYMOUS = "anonymous"


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        (Role.OWNER, 200, None),
        (Role.MANAGER, 200, None),
        (Role.OPERATOR, 403, "PERMISSION_DENIED"),
        ("operator_bar", 403, "PERMISSION_DENIED"),
        ("outsider", 403, "NO_TENANT_MEMBERSHIP"),
        (ANONYMOUS, 401, "NOT_AUTHENTICATED"),
    ],
)
@pytest.mark.parametrize(
    "request_args",
    [
        pytest.param(lambda ws: (EXPORTS, {**OCTOBER, "format": "csv"}), id="exports-csv"),
        pytest.param(lambda ws: (EXPORTS, {**OCTOBER, "format": "xlsx"}), id="exports-xlsx"),
        pytest.param(lambda ws: (EXPORT_EXCEL, {"service": ws.bar.pk, "month": "2026-10"}), id="export-excel"),
    ],
)
def test_only_owners_and_managers_export(stock, outsider, api_client, role, status, code, request_args):
    if role == ANONYMOUS:
        client = api_client
    elif role == "outsider":
        client = client_for(outsider)
    else:
        client = stock.ws.client(role)
    url, params = request_args(stock.ws)

    response = client.get(url, params)

    if code is None:
        assert response.status_code == status
        body_of(response)
    else:
        assert_error(response, status, code)
        assert quota_used(stock.ws.tenant, Metric.EXPORT_CSV) == 0


def test_another_tenants_rows_never_appear(stock):
    workbook = open_xlsx(stock.client().get(EXPORTS, {**OCTOBER, "format": "xlsx"}))
    csv_rows = read_csv(stock.client().get(EXPORTS, {**OCTOBER, "format": "csv"}))

    texts = [str(cell) for sheet in workbook for row in sheet_rows(sheet) for cell in row]
    texts += [cell for row in csv_rows for cell in row]
    assert not [text for text in texts if "Autrui" in text]


def test_another_tenants_service_is_not_found(stock):
    client = stock.client()
    foreign = stock.other.bar.pk

    assert_error(client.get(EXPORTS, {**OCTOBER, "format": "csv", "service": foreign}), 404, "NOT_FOUND")
    assert_error(client.get(EXPORT_EXCEL, {"service": foreign}), 404, "NOT_FOUND")
    other = stock.other.client()
    assert read_csv(other.get(EXPORTS, {**OCTOBER, "format": "csv", "service": foreign}))[1][3] == "Secret d'Autrui"


# --- Audit and queries


def test_each_download_is_audited_with_its_options_and_row_counts(stock):
    manager = stock.ws.user(Role.MANAGER)
    client = stock.client(Role.MANAGER)

    body_of(client.get(EXPORTS, {**OCTOBER, "format": "csv", "mode": "sealed", "sep": ","}))
    body_of(client.get(EXPORTS, {**OCTOBER, "format": "xlsx", "service": stock.ws.bar.pk}))

    with scopes_disabled():
        entries = list(AuditEntry.objects.filter(action="export.downloaded").order_by("id"))
    assert [(entry.tenant_id, entry.actor_id) for entry in entries] == [(stock.ws.tenant.pk, manager.pk)] * 2
    assert entries[0].after == {
        "exporter": "inventory",
        "format": "csv",
        "options": {"from": "2026-10", "to": "2026-10", "service": "all", "mode": "sealed", "kind": "inventory"},
        "rows": {"inventory": 4},
        "separator": ",",
    }
    assert entries[1].after == {
        "exporter": "inventory",
        "format": "xlsx",
        "options": {
            "from": "2026-10",
            "to": "2026-10",
            "service": str(stock.ws.bar.pk),
            "mode": "all",
            "kind": "inventory",
        },
        "rows": {"inventory": 4, "losses": 2, "summary": 3},
    }


def _queries_of_an_export(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(EXPORTS, params)
        assert response.status_code == 200
        body_of(response)
    return len(queries)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_query_count_does_not_grow_with_rows(workspace, file_format):
    set_plan(workspace.tenant, PlanCode.PRO)
    count = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))
    CountLineFactory(count=count, product__category=CategoryFactory(service=workspace.bar))
    client = workspace.client()
    params = {**OCTOBER, "format": file_format}
    _queries_of_an_export(client, params)  # a first request fills the caches the others find

    one = _queries_of_an_export(client, params)
    for index in range(49):
        category = CategoryFactory(service=workspace.bar)
        CountLineFactory(count=count, product__category=category, quantity=Decimal(index))
    many = _queries_of_an_export(client, params)

    assert one == many
