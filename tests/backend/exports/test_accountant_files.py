"""Files an accountant signs (issue 17): every sheet ends with a totals row equal to the sum of
its column and to the stats' figure, in EUR and XOF; VAT columns with French labels; units in
words; barcodes as text; losses in the product's unit, also as a CSV (`kind=losses`)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection  # noqa: F401  (the skipif condition below reads it)
from django_scopes import scope, scopes_disabled

from stockscan.inventory.models import StockCount
from stockscan.orgs.models import Role
from tests.backend.exports.conftest import EXPORTS, open_xlsx, read_csv, sheet_rows
from tests.factories import CountLineFactory, LossFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
MONTH = {"from": "2026-11", "to": "2026-11"}


@pytest.fixture
def month(workspace, other_workspace):
    """The bar's November: lines worth half a cent (90.475…), a 13-digit barcode, a spirit in
    litres with a loss entered in millilitres; another tenant's line."""
    from stockscan.entitlements.plans import PlanCode

    set_plan(workspace.tenant, PlanCode.PRO)
    tenant, bar = workspace.tenant, workspace.bar
    november = StockCountFactory(tenant=tenant, service=bar, month=NOVEMBER)
    for index, (cost, selling, vat) in enumerate(
        [("18.0950", "45.00", "20"), ("2.2625", "2.50", "5.5"), ("0.4850", None, None), ("1.3333", "3.90", "10")]
    ):
        product = ProductFactory(
            tenant=tenant,
            service=bar,
            name=f"Article {index}",
            barcode=f"400638133393{index}",
            purchase_price=Decimal(cost),
            selling_price=Decimal(selling) if selling else None,
            vat_rate=Decimal(vat) if vat else None,
        )
        CountLineFactory(count=november, product=product, quantity=Decimal("5"))
    rum = ProductFactory(
        tenant=tenant, service=bar, name="Rhum", unit="l", purchase_price=Decimal("27.00"), selling_price=None
    )
    CountLineFactory(count=november, product=rum, quantity=Decimal("1.4"))
    LossFactory(
        product=rum, quantity=Decimal("500"), unit="ml", product_quantity=Decimal("0.5"), occurred_on=date(2026, 11, 8)
    )
    LossFactory(product=product, quantity=Decimal("3"), occurred_on=date(2026, 11, 9))  # 3 x 1.3333 = 3.9999
    foreign = StockCountFactory(tenant=other_workspace.tenant, service=other_workspace.bar, month=NOVEMBER)
    CountLineFactory(count=foreign, product__service=other_workspace.bar, quantity=Decimal("999"))
    return workspace


def english(workspace, role=Role.OWNER):
    client = workspace.client(role)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def stats_totals(workspace) -> dict:
    response = english(workspace).get("/api/inventory-stats/", {"month": "2026-11", "service": workspace.bar.pk})
    assert response.status_code == 200, response.content
    return response.json()


def column(rows: list, header: str) -> list:
    index = list(rows[0]).index(header)
    return [row[index] for row in rows[1:]]


def exact_sum(values) -> Decimal:
    return sum((Decimal(str(value)) for value in values if value is not None), Decimal(0))


def test_xlsx_columns_sum_to_their_totals_row_and_to_the_stats(month):
    stats = stats_totals(month)
    workbook = open_xlsx(english(month).get(EXPORTS, {**MONTH, "format": "xlsx", "service": month.bar.pk}))

    rows = sheet_rows(workbook["Inventory"], totals=True)
    data, total = rows[:-1], rows[-1]
    header = list(rows[0])
    money_columns = {
        "Stock value excl. VAT": stats["totals"]["stock_value"],
        "Potential sales excl. VAT": stats["totals"]["potential_sales_value"],
        "VAT": stats["totals"]["potential_sales_vat"],
        "Potential sales incl. VAT": stats["totals"]["potential_sales_value_incl_vat"],
    }
    for name, shown in money_columns.items():
        cells = column(data, name)
        assert exact_sum(cells) == Decimal(shown), name
        assert Decimal(str(total[header.index(name)])) == Decimal(shown), name
        # Every cell is already rounded to the cent: 5 x 18.095 = 90.475 is 90.48, not 90.475.
        assert all(Decimal(str(cell)) == Decimal(str(cell)).quantize(Decimal("0.01")) for cell in cells if cell)
    assert stats["totals"]["stock_value"] == "148.69"  # 90.48 + 11.31 + 2.43 + 6.67 + 37.80
    assert total[0] == "Total"
    assert total[header.index("Quantity")] is None, "pieces and litres are not added together"
    # Every sheet ends with its totals row.
    for sheet in workbook:
        assert sheet_rows(sheet, totals=True)[-1][0] == "Total"
    losses = sheet_rows(workbook["Losses"], totals=True)
    assert Decimal(str(losses[-1][list(losses[0]).index("Value excl. VAT")])) == Decimal(stats["losses"]["value"])
    summary = sheet_rows(workbook["Summary"], totals=True)
    assert summary[-1][list(summary[0]).index("Stock value excl. VAT")] == pytest.approx(148.69)


def test_the_csv_shows_the_same_rounded_figures_and_totals(month):
    stats = stats_totals(month)
    rows = read_csv(
        english(month).get(EXPORTS, {**MONTH, "format": "csv", "sep": ",", "service": month.bar.pk}), ",", totals=True
    )

    data, total = rows[:-1], rows[-1]
    values = column(data, "Stock value excl. VAT")
    assert values[:3] == ["90.48", "11.31", "2.43"]
    assert exact_sum(values) == Decimal(stats["totals"]["stock_value"])
    assert total[0] == "Total"
    assert total[data[0].index("Stock value excl. VAT")] == stats["totals"]["stock_value"]
    assert total[data[0].index("Potential sales incl. VAT")] == stats["totals"]["potential_sales_value_incl_vat"]


def test_xof_files_have_whole_francs_and_the_same_totals_as_the_stats(month):
    tenant = month.tenant
    tenant.currency = "XOF"
    tenant.save()
    stats = stats_totals(month)

    rows = read_csv(english(month).get(EXPORTS, {**MONTH, "format": "csv", "service": month.bar.pk}), totals=True)
    workbook = open_xlsx(english(month).get(EXPORTS, {**MONTH, "format": "xlsx", "service": month.bar.pk}))

    values = column(rows[:-1], "Stock value excl. VAT")
    assert values[:4] == ["90", "11", "2", "7"], "5 x 18.095 = 90.475 is 90 francs; 6.6665 is 7"
    assert rows[-1][rows[0].index("Stock value excl. VAT")] == stats["totals"]["stock_value"] == "148"
    inventory = workbook["Inventory"]
    xlsx_rows = sheet_rows(inventory, totals=True)
    index = list(xlsx_rows[0]).index("Stock value excl. VAT")
    assert exact_sum(row[index] for row in xlsx_rows[1:-1]) == Decimal("148") == Decimal(str(xlsx_rows[-1][index]))
    assert inventory.cell(row=2, column=index + 1).number_format == '#,##0 "FCFA"'


def test_units_are_words_and_barcodes_stay_text(month):
    workbook = open_xlsx(english(month).get(EXPORTS, {**MONTH, "format": "xlsx", "service": month.bar.pk}))

    rows = sheet_rows(workbook["Inventory"])
    assert set(column(rows, "Unit")) == {"piece", "L"}
    barcode = workbook["Inventory"]["E2"]
    assert (barcode.value, barcode.data_type) == ("4006381333930", "s")


def test_vat_columns_have_french_labels(month):
    workbook = open_xlsx(month.client().get(EXPORTS, {**MONTH, "format": "xlsx", "service": month.bar.pk}))

    header = [cell.value for cell in workbook["Inventaire"][1]]
    assert {"Valeur du stock HT", "Ventes potentielles HT", "TVA", "Ventes potentielles TTC", "Taux de TVA"} <= set(
        header
    )
    assert "pièce" in {row[8] for row in sheet_rows(workbook["Inventaire"])[1:]}
    assert sheet_rows(workbook["Inventaire"], totals=True)[-1][0] == "Total"


def test_the_csv_can_hold_the_losses_in_the_products_unit(month):
    response = english(month).get(EXPORTS, {**MONTH, "format": "csv", "kind": "losses", "service": month.bar.pk})

    assert 'filename="stockscan_le-comptoir_bar_2026-11_losses.csv"' in response["Content-Disposition"]
    rows = read_csv(response, totals=True)
    assert rows[0][:9] == [
        "Date",
        "Service",
        "Category",
        "Product",
        "Quantity",
        "Unit",
        "Reason",
        "Unit cost excl. VAT",
        "Value excl. VAT",
    ]
    # 500 ml of a rum kept in litres: 0.5 L at 27.00 a litre.
    assert rows[1][:9] == ["2026-11-08", "Bar", "", "Rhum", "0,500", "L", "Breakage", "27,00", "13,50"]
    assert rows[2][8] == "4,00"  # 3 x 1.3333 = 3.9999
    assert rows[-1][0] == "Total" and rows[-1][8] == "17,50"


def test_a_one_month_export_names_the_month_once(month):
    response = english(month).get(EXPORTS, {**MONTH, "format": "xlsx", "service": month.bar.pk})
    ranged = english(month).get(
        EXPORTS, {"from": "2026-10", "to": "2026-11", "format": "xlsx", "service": month.bar.pk}
    )

    assert 'filename="stockscan_le-comptoir_bar_2026-11.xlsx"' in response["Content-Disposition"]
    assert 'filename="stockscan_le-comptoir_bar_2026-10_2026-11.xlsx"' in ranged["Content-Disposition"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL writes the CSV with COPY")
@pytest.mark.parametrize("kind", ["inventory", "losses", "summary"])
@pytest.mark.parametrize("separator", [";", ","])
@pytest.mark.parametrize("currency", ["EUR", "XOF"])
def test_postgresql_and_python_write_the_same_csv(month, kind, separator, currency):
    """On PostgreSQL the CSV is written by COPY, formatted in SQL; elsewhere by Python: the
    same cells, totals row included."""
    from stockscan.exports.base import FileFormat
    from stockscan.exports.inventory import InventoryExporter
    from stockscan.exports.rendering import _python_csv_chunks, csv_chunks

    month.tenant.currency = currency
    month.tenant.save()
    trap = ProductFactory(tenant=month.tenant, service=month.bar, name='=Sirop; "maison"', barcode="")
    with scopes_disabled():
        november = StockCount.objects.get(service=month.bar, month=NOVEMBER)
    CountLineFactory(
        count=november,
        product=trap,
        quantity=Decimal("0.125"),
        container_state="OPENED",
        remaining_fraction=Decimal("0.5"),
    )

    def cells(write) -> list:
        with scope(tenant=month.tenant.pk):
            exporter = InventoryExporter(
                tenant=month.tenant,
                membership=month.members[Role.OWNER],
                options={**MONTH, "service": str(month.bar.pk), "kind": kind},
            )
            [sheet] = exporter.sheets(FileFormat.CSV)
            text = b"".join(write(sheet, separator=separator)).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text), delimiter=separator))

    by_postgresql, by_python = cells(csv_chunks), cells(_python_csv_chunks)

    assert by_postgresql == by_python
    assert by_postgresql[-1][0] == "Total"
    assert len(by_postgresql) > 2
