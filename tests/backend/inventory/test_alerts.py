"""Alerts: low stock against each product's minimum, and DLC/DDM dates coming near."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role
from tests.factories import CountLineFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

ALERTS = "/api/alerts/"
TODAY = date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(date(2026, 11, 21), tick=False):
        yield


@pytest.fixture
def november(workspace, other_workspace):
    bar = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 11, 1))
    foreign = StockCountFactory(tenant=other_workspace.tenant, service=other_workspace.bar, month=date(2026, 11, 1))
    CountLineFactory(
        count=foreign,
        product__service=other_workspace.bar,
        product__min_quantity=Decimal("50"),
        quantity=Decimal("1"),
        expiry_date=TODAY,
    )
    return bar


def product(workspace, **fields):
    return ProductFactory(tenant=workspace.tenant, service=workspace.bar, **fields)


def alerts(client, **params):
    response = client.get(ALERTS, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_low_stock_sums_the_lines_of_the_month_against_the_minimum(workspace, november):
    gin = product(workspace, name="Gin", min_quantity=Decimal("3"))
    vodka = product(workspace, name="Vodka", min_quantity=Decimal("2"))
    product(workspace, name="Sans minimum")
    CountLineFactory(count=november, product=gin, quantity=Decimal("2"))
    CountLineFactory(
        count=november, product=gin, quantity=Decimal("1"), container_state="OPENED", remaining_fraction=Decimal("0.5")
    )
    CountLineFactory(count=november, product=vodka, quantity=Decimal("2"))  # at the minimum: no alert
    retired = product(workspace, name="Ancien sirop", min_quantity=Decimal("5"), archived=True)
    CountLineFactory(count=november, product=retired, quantity=Decimal("1"))  # no longer bought: no alert

    [alert] = alerts(workspace.client(), type="low_stock")

    assert (alert["kind"], alert["product"], alert["product_name"]) == ("low_stock", gin.pk, "Gin")
    assert (Decimal(alert["quantity"]), Decimal(alert["min_quantity"])) == (Decimal("2.5"), Decimal("3"))
    assert alert["service"] == workspace.bar.pk


def test_expiry_windows_are_30_days_for_dlc_and_90_for_ddm(workspace, november):
    set_plan(workspace.tenant, PlanCode.PRO)
    lines = {
        "dlc_past": (TODAY - timedelta(days=1), "DLC"),
        "dlc_30": (TODAY + timedelta(days=30), "DLC"),
        "dlc_31": (TODAY + timedelta(days=31), "DLC"),
        "ddm_90": (TODAY + timedelta(days=90), "DDM"),
        "ddm_91": (TODAY + timedelta(days=91), "DDM"),
    }
    made = {
        name: CountLineFactory(count=november, product=product(workspace, name=name), expiry_date=day, expiry_kind=kind)
        for name, (day, kind) in lines.items()
    }

    found = alerts(workspace.client(), type="expiry")

    assert [alert["product_name"] for alert in found] == ["dlc_past", "dlc_30", "ddm_90"]
    assert [alert["days_left"] for alert in found] == [-1, 30, 90]
    assert found[0]["line"] == made["dlc_past"].pk


def test_what_the_plan_includes(workspace, november):
    gin = product(workspace, min_quantity=Decimal("3"), name="Gin")
    CountLineFactory(count=november, product=gin, quantity=Decimal("1"), expiry_date=TODAY)
    client = workspace.client()

    trial = alerts(client)  # BOUTIQUE: alerts_stock only
    refused = client.get(ALERTS, {"type": "expiry"})
    set_plan(workspace.tenant, PlanCode.PRO)
    pro = alerts(client)
    pro_excluded = client.get(ALERTS).json()["excluded"]
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    essentiel = client.get(ALERTS)

    assert [a["kind"] for a in trial] == ["low_stock"]
    assert (refused.status_code, refused.json()["feature"]) == (403, "alerts_expiry")
    assert pro_excluded == []
    assert [a["kind"] for a in pro] == ["expiry", "low_stock"]
    assert (essentiel.status_code, essentiel.json()["code"]) == (403, "FEATURE_NOT_INCLUDED")


def test_the_answer_says_which_kinds_the_plan_leaves_out_and_which_plan_has_them(workspace, november):
    gin = product(workspace, min_quantity=Decimal("3"), name="Gin")
    CountLineFactory(count=november, product=gin, quantity=Decimal("1"), expiry_date=TODAY)

    response = workspace.client().get(ALERTS)  # BOUTIQUE (the trial): alerts_stock only
    low_stock_only = workspace.client().get(ALERTS, {"type": "low_stock"})

    assert response.status_code == 200, response.content
    assert [a["kind"] for a in response.json()["results"]] == ["low_stock"]
    assert response.json()["excluded"] == [
        {"kind": "expiry", "reason": "FEATURE_NOT_INCLUDED", "feature": "alerts_expiry", "plan": "PRO"}
    ]
    assert low_stock_only.json()["excluded"] == []  # a kind asked for by name excludes nothing


def test_paginated_in_the_database_with_a_constant_number_of_queries(workspace, november):
    client = workspace.client()
    for index in range(3):
        CountLineFactory(count=november, product=product(workspace, min_quantity=Decimal("9")), quantity=Decimal(index))
    alerts(client)
    with CaptureQueriesContext(connection) as few:
        page = client.get(ALERTS, {"page_size": 2}).json()
    for _ in range(30):
        CountLineFactory(count=november, product=product(workspace, min_quantity=Decimal("9")), quantity=Decimal("1"))
    with CaptureQueriesContext(connection) as many:
        client.get(ALERTS, {"page_size": 2})

    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"] is not None
    assert len(few) == len(many)


def test_an_operator_sees_the_alerts_of_its_service_only(workspace, november):
    kitchen = StockCountFactory(tenant=workspace.tenant, service=workspace.kitchen, month=date(2026, 11, 1))
    CountLineFactory(count=kitchen, product__service=workspace.kitchen, product__min_quantity=Decimal("9"))
    bar_product = product(workspace, min_quantity=Decimal("9"))
    CountLineFactory(count=november, product=bar_product)

    limited = alerts(workspace.client("operator_bar"))
    everything = alerts(workspace.client(Role.MANAGER))

    assert [a["product"] for a in limited] == [bar_product.pk]
    assert len(everything) == 2


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"type": "soon"}, 400, "INVALID_FILTER"),
        ({"month": "26-11"}, 400, "INVALID_MONTH"),
        ({"service": "x"}, 404, "NOT_FOUND"),
    ],
)
def test_bad_parameters(workspace, november, params, status, code):
    response = workspace.client().get(ALERTS, params)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_alerts_show_the_unit_and_the_value_at_the_products_current_cost(workspace, november):
    """The month is open: lines are valued at the product's cost of today, each line rounded
    to the cent (inventory.selectors.valuation), whatever cost the line was counted at."""
    set_plan(workspace.tenant, PlanCode.PRO)
    milk = product(workspace, name="Lait", unit="l", purchase_price=Decimal("1.0950"), min_quantity=Decimal("10"))
    CountLineFactory(count=november, product=milk, quantity=Decimal("5"), unit_cost=Decimal("0.80"))
    CountLineFactory(
        count=november,
        product=milk,
        quantity=Decimal("1"),
        unit_cost=Decimal("0.80"),
        expiry_date=TODAY + timedelta(days=3),
    )

    found = {alert["kind"]: alert for alert in alerts(workspace.client(Role.MANAGER)) if alert["product"] == milk.pk}
    workspace.tenant.operators_see_costs = False
    workspace.tenant.save()
    hidden = [alert["value"] for alert in alerts(workspace.client("operator_bar")) if alert["product"] == milk.pk]

    # 5 x 1.095 = 5.475 -> 5.48, and 1 x 1.095 -> 1.10: 6.58 (not 6.57 from 6 x 1.095).
    assert (found["low_stock"]["unit"], found["low_stock"]["value"]) == ("l", "6.58")
    assert (found["expiry"]["unit"], found["expiry"]["value"]) == ("l", "1.10")
    assert hidden == [None, None], "an operator who may not see costs does not see them here either"
