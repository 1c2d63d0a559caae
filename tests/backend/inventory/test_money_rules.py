"""The counting month's money and unit rules (issue 17, rules 7 to 11), over HTTP: units never
added together, unpriced products out of margins, bars selling by the serving, amounts exact
to the currency (EUR and XOF), VAT; and the input rules (whole pieces, no exponents)."""

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from stockscan.orgs.models import Role
from tests.factories import CountLineFactory, LossFactory, ProductFactory, StockCountFactory

pytestmark = pytest.mark.django_db

STATS = "/api/inventory-stats/"
NOVEMBER = date(2026, 11, 1)


def month_stats(workspace, service, month="2026-11"):
    response = workspace.client(Role.OWNER).get(STATS, {"month": month, "service": service.pk})
    assert response.status_code == 200, response.content
    return response.json()


def set_tenant(tenant, **fields):
    for name, value in fields.items():
        setattr(tenant, name, value)
    tenant.save()


@pytest.fixture
def kitchen_month(workspace, other_workspace):
    """A kitchen's November: butter by the kg, milk by the litre, eggs by the piece, no selling
    prices (a kitchen sells dishes, not ingredients); losses entered in grams and millilitres."""
    tenant, kitchen = workspace.tenant, workspace.kitchen
    butter = ProductFactory(
        tenant=tenant, service=kitchen, name="Beurre", unit="kg", purchase_price=Decimal("9.80"), selling_price=None
    )
    milk = ProductFactory(
        tenant=tenant, service=kitchen, name="Lait", unit="l", purchase_price=Decimal("1.05"), selling_price=None
    )
    eggs = ProductFactory(
        tenant=tenant, service=kitchen, name="Œufs", unit="pcs", purchase_price=Decimal("0.32"), selling_price=None
    )
    november = StockCountFactory(tenant=tenant, service=kitchen, month=NOVEMBER)
    CountLineFactory(count=november, product=butter, quantity=Decimal("2.5"))
    CountLineFactory(count=november, product=milk, quantity=Decimal("12"))
    CountLineFactory(count=november, product=eggs, quantity=Decimal("60"))
    # 400 g and 300 g of butter, 500 ml of milk: as recorded by the losses service, in the
    # product's unit, at its cost in that unit.
    LossFactory(
        product=butter, quantity=Decimal("400"), unit="g", product_quantity=Decimal("0.4"), occurred_on=NOVEMBER
    )
    LossFactory(
        product=butter, quantity=Decimal("300"), unit="g", product_quantity=Decimal("0.3"), occurred_on=NOVEMBER
    )
    LossFactory(product=milk, quantity=Decimal("500"), unit="ml", product_quantity=Decimal("0.5"), occurred_on=NOVEMBER)
    foreign = StockCountFactory(tenant=other_workspace.tenant, service=other_workspace.kitchen, month=NOVEMBER)
    CountLineFactory(count=foreign, product__service=other_workspace.kitchen, product__unit="kg")
    return workspace


# --- Rule 7: units are never added together


def test_quantities_are_grouped_by_unit_never_summed(kitchen_month):
    body = month_stats(kitchen_month, kitchen_month.kitchen)

    assert body["totals"]["quantities"] == [
        {"unit": "pcs", "quantity": "60.000"},
        {"unit": "kg", "quantity": "2.500"},
        {"unit": "l", "quantity": "12.000"},
    ]
    assert "quantity" not in body["totals"]
    # 2.5 x 9.80 + 12 x 1.05 + 60 x 0.32: only money is summed.
    assert body["totals"]["stock_value"] == "56.30"


def test_loss_quantities_are_in_the_products_unit_and_grouped_by_unit(kitchen_month):
    losses = month_stats(kitchen_month, kitchen_month.kitchen)["losses"]

    # Not "1.200" (0.4 kg + 0.5 l + 0.3 kg).
    assert losses["quantities"] == [{"unit": "kg", "quantity": "0.700"}, {"unit": "l", "quantity": "0.500"}]
    assert losses["by_reason"][0]["quantities"] == losses["quantities"]
    # 0.4 x 9.80 = 3.92, 0.3 x 9.80 = 2.94, 0.5 x 1.05 = 0.525 -> 0.53
    assert losses["value"] == "7.39"


# --- Rule 8: unpriced products do not make negative margins


def test_a_kitchen_without_selling_prices_has_no_negative_margin(kitchen_month):
    totals = month_stats(kitchen_month, kitchen_month.kitchen)["totals"]

    assert totals["potential_sales_value"] == "0.00"
    assert totals["potential_margin"] == "0.00"  # was -56.30
    assert totals["unpriced"] == {"products": 3, "lines": 3, "stock_value": "56.30"}


def test_margin_covers_priced_products_only(kitchen_month):
    tenant, kitchen = kitchen_month.tenant, kitchen_month.kitchen
    with scopes_disabled():
        november = kitchen.counts.get(month=NOVEMBER)
    cake = ProductFactory(
        tenant=tenant, service=kitchen, unit="pcs", purchase_price=Decimal("6"), selling_price=Decimal("24")
    )
    CountLineFactory(count=november, product=cake, quantity=Decimal("2"))

    totals = month_stats(kitchen_month, kitchen)["totals"]

    assert totals["potential_sales_value_incl_vat"] == "48.00"
    assert totals["priced_stock_value"] == "12.00"
    assert totals["potential_margin"] == "36.00"  # 48 HT (no VAT rate) - 12, not 48 - 68.30
    assert totals["unpriced"] == {"products": 3, "lines": 3, "stock_value": "56.30"}
    assert totals["stock_value"] == "68.30"


@pytest.mark.parametrize(("service_name", "warned"), [("kitchen", False), ("bar", True)])
def test_only_services_selling_what_they_count_warn_about_a_missing_selling_price(workspace, service_name, warned):
    service = getattr(workspace, service_name)
    response = workspace.client().post(
        f"/api/products/?service={service.pk}", {"name": "Crème 35 %", "unit": "pcs"}, format="json"
    )

    assert response.status_code == 201, response.content
    fields = {warning["field"] for warning in response.json()["warnings"]}
    assert ("selling_price" in fields) is warned
    assert "purchase_price" in fields


# --- Rule 9: bars sell by the serving


def test_a_bar_sells_its_spirits_by_the_serving(workspace):
    tenant, bar = workspace.tenant, workspace.bar
    rum = ProductFactory(
        tenant=tenant,
        service=bar,
        unit="l",
        purchase_price=Decimal("27.00"),  # 18.90 the 0.7 l bottle
        selling_price=None,
        serving_size=Decimal("0.04"),
        serving_price=Decimal("4.50"),
        vat_rate=Decimal("20"),
    )
    CountLineFactory(
        count=StockCountFactory(tenant=tenant, service=bar, month=NOVEMBER), product=rum, quantity=Decimal("1.4")
    )

    totals = month_stats(workspace, bar)["totals"]

    # 1.4 l = 35 shots of 0.04 l at 4.50 = 157.50 TTC = 131.25 HT + 26.25 VAT.
    assert totals["potential_sales_value_incl_vat"] == "157.50"
    assert (totals["potential_sales_value"], totals["potential_sales_vat"]) == ("131.25", "26.25")
    assert totals["stock_value"] == "37.80"
    assert totals["potential_margin"] == "93.45"
    assert totals["unpriced"]["products"] == 0


def test_a_product_takes_an_optional_serving_size_and_price(workspace):
    client = workspace.client()
    created = client.post(
        f"/api/products/?service={workspace.bar.pk}",
        {"name": "Rhum ambré", "unit": "l", "serving_size": "0.04", "serving_price": "4.50"},
        format="json",
    )
    refused = client.post(
        f"/api/products/?service={workspace.bar.pk}", {"name": "Gin", "unit": "l", "serving_size": "0"}, format="json"
    )

    assert created.status_code == 201, created.content
    assert (created.json()["serving_size"], created.json()["serving_price"]) == ("0.040", "4.5000")
    assert refused.status_code == 400
    assert "serving_size" in refused.json()["fields"]


# --- Rule 10: money exact to the currency


def test_lines_are_rounded_once_each_and_totals_are_sums_of_rounded_lines_in_eur(workspace):
    tenant, bar = workspace.tenant, workspace.bar
    november = StockCountFactory(tenant=tenant, service=bar, month=NOVEMBER)
    for price in ("18.0950", "2.2625", "0.4850"):  # 5 x: 90.475, 11.3125, 2.425
        product = ProductFactory(tenant=tenant, service=bar, purchase_price=Decimal(price), selling_price=None)
        CountLineFactory(count=november, product=product, quantity=Decimal("5"))

    totals = month_stats(workspace, bar)["totals"]

    # 90.48 + 11.31 + 2.43 = 104.22 (the unrounded sum 104.2125 would show 104.21).
    assert totals["stock_value"] == "104.22"


def test_xof_amounts_have_no_decimals_and_round_half_up_per_line(workspace):
    tenant, bar = workspace.tenant, workspace.bar
    set_tenant(tenant, currency="XOF")
    november = StockCountFactory(tenant=tenant, service=bar, month=NOVEMBER)
    for price, selling in (("1250.5", "2500"), ("333.3", None)):  # 3 x: 3751.5 -> 3752, 999.9 -> 1000
        product = ProductFactory(
            tenant=tenant,
            service=bar,
            purchase_price=Decimal(price),
            selling_price=Decimal(selling) if selling else None,
            vat_rate=Decimal("18"),
        )
        CountLineFactory(count=november, product=product, quantity=Decimal("3"))
    LossFactory(product=product, quantity=Decimal("1"), occurred_on=NOVEMBER)  # 333.3 -> 333

    body = month_stats(workspace, bar)

    assert body["currency"] == "XOF"
    totals = body["totals"]
    assert totals["stock_value"] == "4752"
    # 3 x 2500 = 7500 TTC at 18 %: 6356 HT (6355.93) + 1144 VAT
    assert (totals["potential_sales_value"], totals["potential_sales_vat"]) == ("6356", "1144")
    assert totals["potential_sales_value_incl_vat"] == "7500"
    assert totals["potential_margin"] == "2604"  # 6356 - 3752
    assert body["losses"]["value"] == "333"


# --- Rule 11: VAT


def test_prices_entered_excluding_vat_get_vat_added(workspace):
    tenant, bar = workspace.tenant, workspace.bar
    set_tenant(tenant, prices_include_vat=False)
    cola = ProductFactory(
        tenant=tenant,
        service=bar,
        purchase_price=Decimal("0.60"),
        selling_price=Decimal("2.37"),
        vat_rate=Decimal("5.5"),
    )
    CountLineFactory(
        count=StockCountFactory(tenant=tenant, service=bar, month=NOVEMBER), product=cola, quantity=Decimal("7")
    )

    body = month_stats(workspace, bar)

    assert body["prices_include_vat"] is False
    totals = body["totals"]
    # 7 x 2.37 = 16.59 HT; VAT 0.91245 -> 0.91; 17.50 TTC.
    assert (totals["potential_sales_value"], totals["potential_sales_vat"]) == ("16.59", "0.91")
    assert totals["potential_sales_value_incl_vat"] == "17.50"
    assert totals["potential_margin"] == "12.39"  # HT sales - stock value (4.20)


# --- Input rules: whole pieces, no exponents


@pytest.mark.parametrize("written", ["1e3", "1E3", "2.5e-1"])
def test_a_quantity_or_price_written_with_an_exponent_is_refused(workspace, written):
    response = workspace.client().post(
        f"/api/products/?service={workspace.bar.pk}",
        {"name": "Cola", "min_quantity": written, "purchase_price": "1"},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "min_quantity" in response.json()["fields"]


def test_a_json_number_with_an_exponent_is_refused_as_written(workspace):
    response = workspace.client().post(
        f"/api/products/?service={workspace.bar.pk}",
        data=b'{"name": "Cola", "purchase_price": 1e1}',
        content_type="application/json",
    )

    assert response.status_code == 400, response.content
    assert "purchase_price" in response.json()["fields"]


def test_a_loss_of_pieces_is_a_whole_number(workspace):
    product = ProductFactory(tenant=workspace.tenant, service=workspace.bar, unit="pcs")
    client = workspace.client()
    today = workspace.tenant.today().isoformat()

    half = client.post(
        f"/api/losses/?service={workspace.bar.pk}",
        {"product": product.pk, "quantity": "1.5", "reason": "breakage", "occurred_on": today},
        format="json",
    )
    whole = client.post(
        f"/api/losses/?service={workspace.bar.pk}",
        {"product": product.pk, "quantity": "2", "reason": "breakage", "occurred_on": today},
        format="json",
    )

    assert half.status_code == 400, half.content
    assert "quantity" in half.json()["fields"]
    assert whole.status_code == 201, whole.content
