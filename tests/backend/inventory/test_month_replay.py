"""A restaurant's month over HTTP, as its owner and barman run it: areas, last month counted
and closed, this month started from it (a checklist, nothing copied), a recount and scans,
losses around the closing, and the closing with what was left uncounted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from stockscan.core.months import format_month, previous_month
from stockscan.inventory.models import CountLine
from stockscan.orgs.models import Role

pytestmark = pytest.mark.django_db


def _ok(response, status=200) -> dict:
    assert response.status_code == status, response.content
    return response.json() if response.content else {}


def _stock(count_id: int) -> dict[str, Decimal]:
    with scopes_disabled():
        lines = CountLine.objects.filter(count_id=count_id).select_related("product")
        stock: dict[str, Decimal] = {}
        for line in lines:
            stock[line.product.name] = stock.get(line.product.name, Decimal(0)) + line.quantity
        return stock


def test_a_bars_month_from_carry_over_to_closing(workspace):
    owner, barman = workspace.client(Role.OWNER), workspace.client(Role.OPERATOR)
    bar = workspace.bar.pk
    this_month = workspace.tenant.today().replace(day=1)
    last_month = previous_month(this_month)

    fridge = _ok(owner.post("/api/areas/", {"service": bar, "name": "Frigo"}, format="json"), 201)
    cellar = _ok(owner.post("/api/areas/", {"service": bar, "name": "Cave"}, format="json"), 201)
    products = {}
    for name, area, position in (("Coca", fridge, 1), ("Tonic", fridge, 2), ("Bordeaux", cellar, 1)):
        body = {"service": bar, "name": name, "default_area": area["id"], "position": position}
        body |= {"purchase_price": "1.10", "selling_price": "3.50"}
        products[name] = _ok(owner.post("/api/products/", body, format="json"), 201)["id"]

    # Last month: counted, a bottle broken, closed.
    november = _ok(owner.post("/api/counts/", {"service": bar, "month": format_month(last_month)}, format="json"), 201)
    for name, quantity in (("Coca", "36"), ("Tonic", "12"), ("Bordeaux", "6")):
        line = {"count": november["id"], "product": products[name], "quantity": quantity}
        _ok(barman.post("/api/count-lines/", line, format="json"), 201)
    breakage = {"product": products["Bordeaux"], "quantity": "1", "reason": "breakage"}
    broken = _ok(
        owner.post("/api/losses/", {**breakage, "occurred_on": str(last_month + timedelta(days=3))}, format="json"), 201
    )
    closed = _ok(owner.post(f"/api/counts/{november['id']}/close/", {}, format="json"))
    assert (closed["status"], closed["products_to_count"]) == ("closed", 0)
    assert _ok(barman.delete(f"/api/losses/{broken['id']}/"), 404)["code"] == "NOT_FOUND"  # the owner's
    assert _ok(owner.delete(f"/api/losses/{broken['id']}/"), 409)["code"] == "MONTH_CLOSED"

    # This month: a checklist of last month's products, nothing carried.
    december = _ok(owner.post("/api/counts/", {"service": bar, "month": format_month(this_month)}, format="json"), 201)
    assert (december["line_count"], december["products_to_count"]) == (0, 3)
    listed = _ok(barman.get(f"/api/counts/{december['id']}/checklist/"))["results"]
    assert [(item["product_name"], item["expected"]) for item in listed] == [
        ("Coca", "36.000"),
        ("Tonic", "12.000"),
        ("Bordeaux", "6.000"),
    ]

    coca = {"count": december["id"], "product": products["Coca"]}
    _ok(barman.post("/api/count-lines/", {**coca, "quantity": "40"}, format="json"), 201)
    _ok(barman.post("/api/count-lines/", {**coca, "quantity": "41"}, format="json"))  # recounted
    for scan in ("scan-1", "scan-2", "scan-2"):  # the second scan sent twice
        _ok(
            barman.post("/api/count-lines/", {**coca, "quantity": "1", "mode": "add", "client_id": scan}, format="json")
        )
    assert _stock(december["id"]) == {"Coca": Decimal("43")}

    refused = _ok(owner.post(f"/api/counts/{december['id']}/close/", {}, format="json"), 409)
    assert (refused["code"], refused["uncounted"]) == ("UNCOUNTED_PRODUCTS", 2)
    closed = _ok(owner.post(f"/api/counts/{december['id']}/close/", {"uncounted": "expected"}, format="json"))
    assert (closed["uncounted"], closed["line_count"]) == ("expected", 3)
    assert _stock(december["id"]) == {"Coca": Decimal("43"), "Tonic": Decimal("12"), "Bordeaux": Decimal("6")}
    late = _ok(barman.post("/api/losses/", {**breakage, "occurred_on": str(this_month)}, format="json"), 409)
    assert late["code"] == "MONTH_CLOSED"


def _count(client, count_id: int, product: int, quantity: str, **fields) -> dict:
    body = {"count": count_id, "product": product, "quantity": quantity, **fields}
    response = client.post("/api/count-lines/", body, format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def _column(rows: list, header: str) -> list:
    index = list(rows[0]).index(header)
    return [row[index] for row in rows[1:]]


def _sum(values) -> Decimal:
    return sum((Decimal(str(value).replace(",", ".")) for value in values if value not in (None, "")), Decimal(0))


def test_a_restaurants_month_from_kitchen_and_bar_to_the_accountants_files(workspace):
    """Kitchen (flour in kg, cream in litres, eggs by the piece, none sold as counted) and bar
    (cola by the piece, rum in litres sold by the 4 cl shot): last month closed, this month
    counted from its checklist with a recount and a loss in grams, closed; the stats add no
    kilogram to a litre, margins cover priced lines only, and the exports an accountant opens
    sum to the figures the API shows."""
    from stockscan.entitlements.plans import PlanCode
    from tests.backend.exports.conftest import open_xlsx, read_csv, sheet_rows
    from tests.plans import set_plan

    set_plan(workspace.tenant, PlanCode.PRO)  # every service's stats at once, CSV and XLSX
    owner, cook = workspace.client(Role.OWNER), workspace.client(Role.MANAGER)
    owner.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    kitchen, bar = workspace.kitchen.pk, workspace.bar.pk
    this_month = workspace.tenant.today().replace(day=1)
    last_month = previous_month(this_month)
    catalogue = {
        "Farine": (kitchen, "kg", "0.90", None, {}),
        "Crème": (kitchen, "l", "3.20", None, {}),
        "Oeufs": (kitchen, "pcs", "0.25", None, {}),
        "Coca": (bar, "pcs", "0.60", "2.50", {}),
        "Rhum": (bar, "l", "27.00", None, {"serving_size": "0.04", "serving_price": "6.00"}),
    }
    products = {}
    for name, (service, unit, cost, price, extra) in catalogue.items():
        body = {"service": service, "name": name, "unit": unit, "purchase_price": cost, **extra}
        if price:
            body["selling_price"] = price
        products[name] = _ok(owner.post("/api/products/", body, format="json"), 201)["id"]

    def start(service: int, month) -> dict:
        return _ok(owner.post("/api/counts/", {"service": service, "month": format_month(month)}, format="json"), 201)

    # Last month, counted and closed in both services.
    kitchen_before, bar_before = start(kitchen, last_month), start(bar, last_month)
    for name, quantity in (("Farine", "12.5"), ("Crème", "4"), ("Oeufs", "60")):
        _count(cook, kitchen_before["id"], products[name], quantity)
    for name, quantity in (("Coca", "36"), ("Rhum", "1.4")):
        _count(cook, bar_before["id"], products[name], quantity)
    for count in (kitchen_before, bar_before):
        _ok(owner.post(f"/api/counts/{count['id']}/close/", {}, format="json"))

    # This month: the kitchen's checklist holds last month's quantities; flour recounted.
    kitchen_now, bar_now = start(kitchen, this_month), start(bar, this_month)
    checklist = _ok(cook.get(f"/api/counts/{kitchen_now['id']}/checklist/"))["results"]
    assert {item["product_name"]: item["expected"] for item in checklist} == {
        "Farine": "12.500",
        "Crème": "4.000",
        "Oeufs": "60.000",
    }
    _count(cook, kitchen_now["id"], products["Farine"], "10")
    _count(cook, kitchen_now["id"], products["Farine"], "9.5")  # recounted: 9.5 kg, not 19.5
    _count(cook, kitchen_now["id"], products["Crème"], "3.5")
    _count(cook, kitchen_now["id"], products["Oeufs"], "48")
    _count(cook, bar_now["id"], products["Coca"], "40")
    _count(cook, bar_now["id"], products["Rhum"], "1.2")
    spilt = {"product": products["Farine"], "quantity": "500", "unit": "g", "reason": "breakage"}
    _ok(cook.post("/api/losses/", {**spilt, "occurred_on": str(this_month)}, format="json"), 201)
    assert _stock(kitchen_now["id"]) == {"Farine": Decimal("9.5"), "Crème": Decimal("3.5"), "Oeufs": Decimal("48")}
    for count in (kitchen_now, bar_now):
        _ok(owner.post(f"/api/counts/{count['id']}/close/", {}, format="json"))

    stats = _ok(owner.get("/api/inventory-stats/", {"month": format_month(this_month), "service": "all"}))
    totals = stats["totals"]
    # 9.5 x 0.90 + 3.5 x 3.20 + 48 x 0.25 (kitchen) + 40 x 0.60 + 1.2 x 27.00 (bar)
    assert totals["stock_value"] == "88.15"
    assert {row["unit"]: row["quantity"] for row in totals["quantities"]} == {
        "pcs": "88.000",
        "kg": "9.500",
        "l": "4.700",
    }
    # Sales: 40 colas at 2.50 and 1.2 l of rum at 6.00 a 0.04 l shot; the kitchen is unpriced.
    assert totals["potential_sales_value"] == "280.00"
    assert totals["potential_margin"] == "223.60"  # 280.00 - (24.00 + 32.40), never the kitchen's cost
    assert (totals["unpriced"]["products"], totals["unpriced"]["stock_value"]) == (3, "31.75")
    assert stats["losses"]["value"] == "0.45"  # 500 g of flour at 0.90 a kilogram

    month = {"from": format_month(this_month), "to": format_month(this_month), "service": "all"}
    workbook = open_xlsx(owner.get("/api/exports/", {**month, "format": "xlsx"}))
    inventory = sheet_rows(workbook["Inventory"], totals=True)
    assert _sum(_column(inventory[:-1], "Stock value excl. VAT")) == Decimal(totals["stock_value"])
    assert Decimal(str(inventory[-1][list(inventory[0]).index("Stock value excl. VAT")])) == Decimal("88.15")
    losses = read_csv(owner.get("/api/exports/", {**month, "format": "csv", "kind": "losses"}), totals=True)
    assert [(row[3], row[4], row[5]) for row in losses[1:-1]] == [("Farine", "0,500", "kg")]
    assert _sum(_column(losses[:-1], "Value excl. VAT")) == Decimal(stats["losses"]["value"])
