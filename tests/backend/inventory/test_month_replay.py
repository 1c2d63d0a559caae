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
