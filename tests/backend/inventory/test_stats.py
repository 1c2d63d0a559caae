"""Inventory stats, checked against figures computed by hand on a small bar."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import StockCount
from stockscan.orgs.models import Role
from tests.factories import CategoryFactory, CountLineFactory, LossFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

STATS = "/api/inventory-stats/"
OCTOBER, SEPTEMBER = date(2026, 10, 1), date(2026, 9, 1)


@pytest.fixture
def bar(workspace, other_workspace):
    """October and September (closed, at September's costs) of the bar, a kitchen line, and
    another tenant's bar. Selling prices include VAT (the tenant's default)."""
    tenant, service = workspace.tenant, workspace.bar
    spirits = CategoryFactory(tenant=tenant, service=service, name="Spiritueux")
    softs = CategoryFactory(tenant=tenant, service=service, name="Softs")
    rum = ProductFactory(
        tenant=tenant,
        service=service,
        category=spirits,
        purchase_price=Decimal("18.90"),
        selling_price=Decimal("45"),
        vat_rate=Decimal("20"),
    )
    cola = ProductFactory(
        tenant=tenant,
        service=service,
        category=softs,
        purchase_price=Decimal("0.6333"),
        selling_price=Decimal("2.50"),
        vat_rate=Decimal("5.5"),
    )
    lemons = ProductFactory(tenant=tenant, service=service, purchase_price=Decimal("0.25"), selling_price=None)

    october = StockCountFactory(tenant=tenant, service=service, month=OCTOBER)
    CountLineFactory(count=october, product=rum, quantity=Decimal("4"))
    CountLineFactory(
        count=october, product=rum, quantity=Decimal("1"), container_state="OPENED", remaining_fraction=Decimal("0.4")
    )
    CountLineFactory(count=october, product=cola, quantity=Decimal("24"))
    CountLineFactory(count=october, product=lemons, quantity=Decimal("10"))
    LossFactory(product=rum, quantity=Decimal("1"), reason="breakage", occurred_on=date(2026, 10, 3))
    LossFactory(product=cola, quantity=Decimal("6"), reason="expired", occurred_on=date(2026, 10, 20))
    LossFactory(product=cola, quantity=Decimal("2"), reason="expired", occurred_on=date(2026, 10, 31))

    september = StockCountFactory(tenant=tenant, service=service, month=SEPTEMBER, status="closed")
    CountLineFactory(count=september, product=rum, quantity=Decimal("5"), unit_cost=Decimal("17.50"))
    CountLineFactory(count=september, product=cola, quantity=Decimal("12"), unit_cost=Decimal("0.60"))
    LossFactory(product=rum, quantity=Decimal("1"), reason="theft", occurred_on=date(2026, 9, 30))

    kitchen_october = StockCountFactory(tenant=tenant, service=workspace.kitchen, month=OCTOBER)
    CountLineFactory(count=kitchen_october, product__service=workspace.kitchen, product__purchase_price=Decimal("100"))

    foreign = StockCountFactory(tenant=other_workspace.tenant, service=other_workspace.bar, month=OCTOBER)
    CountLineFactory(count=foreign, product__service=other_workspace.bar, quantity=Decimal("999"))
    LossFactory(
        product__tenant=other_workspace.tenant, product__service=other_workspace.bar, occurred_on=date(2026, 10, 3)
    )
    return workspace


def stats(client, **params):
    return client.get(STATS, {"month": "2026-10", **params})


def pieces(amount: str) -> list[dict]:
    return [{"unit": "pcs", "quantity": amount}]


def no_unpriced() -> dict:
    return {"products": 0, "lines": 0, "stock_value": "0.00"}


def test_figures_match_the_hand_computed_ones(bar):
    response = stats(bar.client(Role.MANAGER), service=bar.bar.pk)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["month"], body["previous_month"], body["service"]) == ("2026-10", "2026-09", bar.bar.pk)
    assert (body["currency"], body["prices_include_vat"]) == ("EUR", True)
    # Each line rounded to the cent, then summed:
    #   rum 4 x 18.90 = 75.60, sales 180.00 TTC = 150.00 HT + 30.00 VAT (20 %)
    #   rum opened 0.4 x 18.90 = 7.56, sales 18.00 TTC = 15.00 HT + 3.00 VAT
    #   cola 24 x 0.6333 = 15.1992 -> 15.20, sales 60.00 TTC = 56.87 HT (60 / 1.055) + 3.13 VAT
    #   lemons 10 x 0.25 = 2.50, no selling price: out of sales and margin
    assert body["totals"] == {
        "lines": 4,
        "products": 3,
        "quantities": pieces("38.400"),
        "stock_value": "100.86",
        "potential_sales_value": "221.87",
        "potential_sales_vat": "36.13",
        "potential_sales_value_incl_vat": "258.00",
        "priced_stock_value": "98.36",
        "potential_margin": "123.51",  # 221.87 - 98.36: the unpriced lemons are not a loss
        "unpriced": {"products": 1, "lines": 1, "stock_value": "2.50"},
    }
    softs, spirits, uncategorised = body["by_category"]
    assert softs == {
        "category": softs["category"],
        "category_name": "Softs",
        "lines": 1,
        "products": 1,
        "quantities": pieces("24.000"),
        "stock_value": "15.20",
        "potential_sales_value": "56.87",
        "potential_sales_vat": "3.13",
        "potential_sales_value_incl_vat": "60.00",
        "priced_stock_value": "15.20",
        "potential_margin": "41.67",
        "unpriced": no_unpriced(),
    }
    assert spirits["category_name"] == "Spiritueux"
    assert (spirits["lines"], spirits["quantities"], spirits["stock_value"]) == (2, pieces("4.400"), "83.16")
    assert (spirits["potential_sales_value"], spirits["potential_sales_vat"]) == ("165.00", "33.00")
    assert uncategorised["category"] is None
    assert (uncategorised["potential_sales_value"], uncategorised["potential_margin"]) == ("0.00", "0.00")
    assert uncategorised["unpriced"] == {"products": 1, "lines": 1, "stock_value": "2.50"}
    assert body["losses"] == {
        "count": 3,
        "quantities": pieces("9.000"),
        "value": "23.97",  # 18.90 + 3.80 (6 x 0.6333 = 3.7998) + 1.27 (2 x 0.6333 = 1.2666)
        "by_reason": [
            {"reason": "breakage", "count": 1, "quantities": pieces("1.000"), "value": "18.90"},
            {"reason": "expired", "count": 2, "quantities": pieces("8.000"), "value": "5.07"},
        ],
    }
    # September is closed: valued at the costs it froze, 17.50 a bottle and 0.60 a can.
    # 5 x 17.50 + 12 x 0.60 = 87.50 + 7.20
    assert body["previous"] == {
        "lines": 2,
        "quantities": pieces("17.000"),
        "stock_value": "94.70",
        "losses_value": "18.90",
    }
    # 100.86 - 94.70 = 6.16, i.e. 6.5% of 94.70
    assert body["change"] == {
        "quantities": pieces("21.400"),
        "stock_value": "6.16",
        "stock_value_percent": "6.5",
        "losses_value": "5.07",
    }


def test_all_services_needs_multi_service_analytics(bar):
    client = bar.client(Role.OWNER)
    refused = stats(client, service="all")
    set_plan(bar.tenant, PlanCode.PRO)
    allowed = stats(client, service="all")

    assert (refused.status_code, refused.json()["code"]) == (403, "FEATURE_NOT_INCLUDED")
    assert allowed.status_code == 200
    assert allowed.json()["service"] is None
    assert allowed.json()["totals"]["lines"] == 5
    assert allowed.json()["totals"]["stock_value"] == "400.86"  # + the kitchen's 3 x 100


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"month": "2026-13"}, 400, "INVALID_MONTH"),
        ({"service": "abc"}, 404, "NOT_FOUND"),
        ({"service": "999999"}, 404, "NOT_FOUND"),
        ({}, 400, "SERVICE_REQUIRED"),
    ],
)
def test_bad_parameters(bar, params, status, code):
    response = bar.client().get(STATS, {"month": "2026-10", **params})
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_without_a_month_it_is_this_month_like_alerts_and_exports(bar):
    with time_machine.travel(date(2026, 10, 15), tick=False):
        client = bar.client(Role.MANAGER)
        missing = client.get(STATS, {"service": bar.bar.pk})
        blank = client.get(STATS, {"service": bar.bar.pk, "month": ""})

    assert missing.status_code == 200, missing.content
    assert (missing.json()["month"], missing.json()["service"]) == ("2026-10", bar.bar.pk)
    assert missing.json()["totals"]["stock_value"] == "100.86"
    assert blank.json()["month"] == "2026-10"


def test_another_tenants_service_is_not_found(bar, other_workspace):
    response = stats(bar.client(), service=other_workspace.bar.pk)
    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")


def test_operators_do_not_see_stats(bar):
    response = stats(bar.client(Role.OPERATOR), service=bar.bar.pk)
    assert (response.status_code, response.json()["code"]) == (403, "PERMISSION_DENIED")


def test_essentiel_history_hides_old_months_in_stats(bar):
    set_plan(bar.tenant, PlanCode.ESSENTIEL)
    response = stats(bar.client(), service=bar.bar.pk)
    assert (response.status_code, response.json()["code"]) == (403, "MONTH_OUTSIDE_HISTORY")


def test_query_count_does_not_grow_with_products(bar):
    client = bar.client(Role.MANAGER)
    stats(client, service=bar.bar.pk)
    with CaptureQueriesContext(connection) as few:
        stats(client, service=bar.bar.pk)
    with scopes_disabled():
        count = StockCount.objects.get(service=bar.bar, month=OCTOBER)
    CountLineFactory.create_batch(50, count=count, product__service=bar.bar)
    with CaptureQueriesContext(connection) as many:
        stats(client, service=bar.bar.pk)

    assert len(few) == len(many), "\n".join(q["sql"] for q in many)
    assert len(many) <= 10
