"""The bar's November 2026, a month a person can read: what the assistant should say about it
is written in test_rules.py."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from stockscan.entitlements.plans import PlanCode
from tests.factories import CategoryFactory, CountLineFactory, LossFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan

NOVEMBER, OCTOBER, SEPTEMBER = date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)
TODAY = date(2026, 11, 20)


@dataclass
class BarMonth:
    workspace: object
    products: dict


@pytest.fixture
def today():
    with time_machine.travel("2026-11-20 10:00:00+01:00", tick=False):
        yield TODAY


@pytest.fixture
def bar_month(workspace, other_workspace, today) -> BarMonth:
    """The bar (PRO plan), counted in September, October and November (open).

    - Rum: 2 bottles left for a minimum of 6 (low stock); 3 broken in November, 1 in October.
    - Gin: 1 bottle for a minimum of 2 (low stock).
    - Vodka: 4 bottles in each of the three months (dead stock).
    - Tonic: no purchase price (left out of the stock value).
    - Cream: its use-by date is in 2 days (expiry, critical).
    - Cola: 6 expired in November.
    """
    tenant, bar = workspace.tenant, workspace.bar
    set_plan(tenant, PlanCode.PRO)
    spirits = CategoryFactory(tenant=tenant, service=bar, name="Spiritueux")
    softs = CategoryFactory(tenant=tenant, service=bar, name="Softs")

    def product(name, category, cost, minimum=None):
        return ProductFactory(
            tenant=tenant,
            service=bar,
            name=name,
            category=category,
            purchase_price=None if cost is None else Decimal(cost),
            selling_price=Decimal("5"),
            min_quantity=None if minimum is None else Decimal(minimum),
        )

    products = {
        "rum": product("Rhum ambré", spirits, "18.90", "6"),
        "gin": product("Gin", spirits, "20.00", "2"),
        "vodka": product("Vodka", spirits, "12.00", "1"),
        "tonic": product("Tonic", softs, None, "1"),
        "cream": product("Crème", softs, "3.00", "1"),
        "cola": product("Cola", softs, "0.60", "1"),
    }
    counts = {
        month: StockCountFactory(tenant=tenant, service=bar, month=month) for month in (SEPTEMBER, OCTOBER, NOVEMBER)
    }
    for month in (SEPTEMBER, OCTOBER):
        CountLineFactory(count=counts[month], product=products["rum"], quantity=Decimal("8"))
        CountLineFactory(count=counts[month], product=products["cola"], quantity=Decimal("30"))
    for month in (SEPTEMBER, OCTOBER, NOVEMBER):
        CountLineFactory(count=counts[month], product=products["vodka"], quantity=Decimal("4"))
    november = counts[NOVEMBER]
    CountLineFactory(count=november, product=products["rum"], quantity=Decimal("2"))
    CountLineFactory(count=november, product=products["gin"], quantity=Decimal("1"))
    CountLineFactory(count=november, product=products["tonic"], quantity=Decimal("12"))
    CountLineFactory(count=november, product=products["cream"], quantity=Decimal("5"), expiry_date=date(2026, 11, 22))
    CountLineFactory(count=november, product=products["cola"], quantity=Decimal("24"))
    LossFactory(product=products["rum"], quantity=Decimal("1"), reason="breakage", occurred_on=date(2026, 10, 12))
    LossFactory(product=products["rum"], quantity=Decimal("3"), reason="breakage", occurred_on=date(2026, 11, 8))
    LossFactory(product=products["cola"], quantity=Decimal("6"), reason="expired", occurred_on=date(2026, 11, 15))

    # The other tenant's bar, with bigger figures that must never show.
    foreign = StockCountFactory(tenant=other_workspace.tenant, service=other_workspace.bar, month=NOVEMBER)
    CountLineFactory(count=foreign, product__service=other_workspace.bar, quantity=Decimal("999"))
    LossFactory(
        product__tenant=other_workspace.tenant, product__service=other_workspace.bar, occurred_on=date(2026, 11, 3)
    )
    return BarMonth(workspace=workspace, products=products)
