"""The facts engine on the bar's November (conftest): figures computed by hand, within what
each member may see, in a constant number of queries."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from stockscan.assistant.selectors.facts import assistant_facts
from stockscan.assistant.selectors.facts_cache import cached_assistant_facts
from stockscan.entitlements.plans import PlanCode
from stockscan.entitlements.selectors import effective_plan
from stockscan.inventory.models import StockCount
from stockscan.inventory.selectors import alerts
from stockscan.inventory.selectors.stats import inventory_stats
from stockscan.orgs.models import Role, Service
from tests.backend.assistant.conftest import NOVEMBER
from tests.factories import CountLineFactory, LossFactory, ProductFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db


def facts_for(workspace, role=Role.OWNER, service="bar"):
    membership = workspace.members[role]
    with scopes_disabled():
        services = {s.pk: s for s in Service.objects.filter(tenant=workspace.tenant)}
    with scope(tenant=workspace.tenant.pk):
        chosen = getattr(workspace, service) if service else None
        return assistant_facts(
            tenant=workspace.tenant, membership=membership, month=NOVEMBER, services=services, service=chosen
        )


def values(sheet) -> dict[str, str]:
    return {fact["id"]: fact["value"] for fact in sheet.as_list()}


def test_the_bar_month_by_hand(bar_month):
    sheet = facts_for(bar_month.workspace)
    facts = values(sheet)
    # Rum 2 x 18.90 + gin 20 + vodka 4 x 12 + cream 5 x 3 + cola 24 x 0.60 (tonic has no cost).
    assert facts["stock.value"] == "135.20"
    # October: rum 8 x 18.90 + cola 30 x 0.60 + vodka 48.
    assert facts["stock.value_previous"] == "217.20"
    assert facts["stock.value_change"] == "-82.00"
    assert facts["stock.value_change_percent"] == "-37.8"
    assert facts["category.top.value"] == "105.80"  # Spiritueux: 37.80 + 20 + 48
    assert facts["category.top.share"] == "78.3"
    assert facts["losses.value"] == "60.30"  # 3 rum broken (56.70) + 6 cola expired (3.60)
    assert facts["losses.value_previous"] == "18.90"
    assert facts["losses.value_change"] == "41.40"
    assert facts["losses.breakage.value"] == "56.70"
    assert facts["losses.breakage.count"] == "1"
    assert facts["losses.expired.count"] == "1"
    assert facts["alerts.low_stock.count"] == "2"  # rum 2 < 6, gin 1 < 2
    assert facts["alerts.expiring.count"] == "1"
    assert facts["alerts.expiring.soonest_days"] == "2"
    assert facts["dead_stock.count"] == "1"  # vodka: 4, 4, 4
    assert facts["dead_stock.value"] == "48.00"
    assert facts["catalog.active"] == "6"
    assert facts["catalog.uncosted"] == "1"
    assert facts["catalog.unpriced"] == "0"
    assert facts["counting.counted"] == "6"
    assert facts["counting.progress"] == "100.0"
    assert sheet.top_loss_reason == "breakage"
    assert sorted(sheet.low_stock_products) == ["Gin", "Rhum ambré"]
    assert sheet.count_status == "open"


def test_every_fact_has_a_stable_id_a_value_a_unit_and_a_label(bar_month):
    for fact in facts_for(bar_month.workspace).as_list():
        assert set(fact) == {"id", "label", "value", "unit"}
        assert fact["label"] and fact["unit"]
        Decimal(fact["value"])


def test_amounts_follow_the_tenant_currency(bar_month):
    tenant = bar_month.workspace.tenant
    tenant.currency = "XOF"
    with scopes_disabled():
        tenant.save()
    facts = values(facts_for(bar_month.workspace))
    assert facts["stock.value"] == "135"
    # Each loss rounded to the franc, then summed: 3 x 18.90 → 57, 6 x 0.60 → 4.
    assert facts["losses.value"] == "61"


def test_hidden_costs_leave_no_fact_computed_from_a_cost(bar_month):
    tenant = bar_month.workspace.tenant
    tenant.operators_see_costs = False
    with scopes_disabled():
        tenant.save()
    facts = values(facts_for(bar_month.workspace, role="operator_bar", service=None))
    assert not {fact_id for fact_id in facts if fact_id.endswith((".value", ".value_previous", ".value_change"))}
    assert not {"stock.value", "category.top.share", "catalog.uncosted", "dead_stock.value"} & set(facts)
    assert facts["losses.count"] == "2"
    assert facts["alerts.low_stock.count"] == "2"


def test_an_operator_gets_the_facts_of_its_own_service_only(bar_month):
    workspace = bar_month.workspace
    kitchen = workspace.kitchen
    CountLineFactory(
        count__tenant=workspace.tenant,
        count__service=kitchen,
        count__month=NOVEMBER,
        product__service=kitchen,
        product__purchase_price=Decimal("1000"),
    )
    facts = values(facts_for(workspace, role="operator_bar", service=None))
    assert facts["stock.value"] == "135.20"
    assert facts["catalog.active"] == "6"


def test_the_query_count_does_not_grow_with_the_catalog(bar_month, django_assert_num_queries):
    """Six queries (the lines of three months in one pass, the losses, the catalog, the month's counts; the
    credit book's dashboard and its overdue customers: PRO includes the credit book), the
    plan being already known (the request's tenant context holds it)."""
    workspace = bar_month.workspace
    effective_plan(workspace.tenant)
    with scopes_disabled():
        services = {s.pk: s for s in Service.objects.filter(tenant=workspace.tenant)}
        november = StockCount.objects.get(service=workspace.bar, month=NOVEMBER)

    def compute():
        with scope(tenant=workspace.tenant.pk):
            return assistant_facts(
                tenant=workspace.tenant,
                membership=workspace.members[Role.OWNER],
                month=NOVEMBER,
                services=services,
                service=workspace.bar,
            )

    with django_assert_num_queries(6):
        compute()
    for index in range(40):
        product = ProductFactory(tenant=workspace.tenant, service=workspace.bar, min_quantity=Decimal(100 + index))
        CountLineFactory(count=november, product=product)
    with django_assert_num_queries(6):
        sheet = compute()
    assert sheet.value("alerts.low_stock.count") == 42


def test_facts_come_from_the_cache_until_the_inventory_changes(bar_month, django_assert_num_queries):
    workspace = bar_month.workspace
    effective_plan(workspace.tenant)
    with scopes_disabled():
        services = {s.pk: s for s in Service.objects.filter(tenant=workspace.tenant)}

    def cached():
        with scope(tenant=workspace.tenant.pk):
            return cached_assistant_facts(
                tenant=workspace.tenant,
                membership=workspace.members[Role.OWNER],
                month=NOVEMBER,
                services=services,
                service=workspace.bar,
            )

    first = cached()
    with django_assert_num_queries(0):
        again = cached()
    assert again.as_list() == first.as_list()
    assert again.service == workspace.bar
    LossFactory(product=bar_month.products["gin"], reason="theft", occurred_on=date(2026, 11, 18))
    assert values(cached())["losses.count"] == "3"


def test_the_free_plan_gets_no_fact_from_beyond_its_history_or_features(bar_month):
    set_plan(bar_month.workspace.tenant, PlanCode.ESSENTIEL)
    facts = values(facts_for(bar_month.workspace))
    assert "dead_stock.count" not in facts  # September is older than its 14 days of history
    assert "stock.value_previous" not in facts
    assert "alerts.low_stock.count" not in facts and "alerts.expiring.count" not in facts
    assert facts["stock.value"] == "135.20"


def test_the_one_pass_agrees_with_the_inventory_selectors(bar_month):
    """The facts read the lines once (selectors/month_summary.py); on a busier month — several
    lines per product, opened containers, dates near and far, archived products, products
    without a cost — they still say what the stats and alerts selectors say."""
    workspace = bar_month.workspace
    tenant, bar = workspace.tenant, workspace.bar
    with scopes_disabled():
        november = StockCount.objects.get(service=bar, month=NOVEMBER)
    rng = random.Random(19)
    for index in range(30):
        product = ProductFactory(
            tenant=tenant,
            service=bar,
            name=f"Produit {rng.randint(0, 9)}",  # names alike: ties ordered by product
            purchase_price=None if index % 7 == 0 else Decimal(rng.randint(1, 3000)) / 100,
            min_quantity=None if index % 5 == 0 else Decimal(rng.randint(0, 12)),
            archived=index % 11 == 0,
        )
        for line in range(rng.randint(1, 3)):
            CountLineFactory(
                count=november,
                product=product,
                quantity=Decimal(rng.randint(0, 9)),
                lot=f"L{line}",
                container_state="OPENED" if line == 1 else "SEALED",
                remaining_fraction=Decimal("0.333") if line == 1 else None,
                expiry_date=date(2026, 11, 20) + timedelta(days=rng.randint(-5, 120)) if line != 2 else None,
                expiry_kind=rng.choice(["DLC", "DDM"]),
            )
    membership = workspace.members[Role.OWNER]
    facts = values(facts_for(workspace))
    with scope(tenant=tenant.pk):
        stats = inventory_stats(tenant=tenant, membership=membership, month=NOVEMBER, service=bar)
        today = tenant.today()
        low = list(
            alerts.alert_rows(tenant=tenant, service_ids=[bar.pk], month=NOVEMBER, today=today, kind="low_stock")
        )
        near = list(alerts.alert_rows(tenant=tenant, service_ids=[bar.pk], month=NOVEMBER, today=today, kind="expiry"))
    assert facts["stock.value"] == stats["totals"]["stock_value"]
    assert facts["stock.lines"] == str(stats["totals"]["lines"])
    assert facts["counting.counted"] == str(stats["totals"]["products"])
    assert facts["stock.value_previous"] == stats["previous"]["stock_value"]
    assert facts["losses.value"] == stats["losses"]["value"]
    top = max(stats["by_category"], key=lambda row: Decimal(row["stock_value"]))
    assert facts["category.top.value"] == top["stock_value"]
    assert facts["alerts.low_stock.count"] == str(len(low))
    named = [row[alerts.COLUMNS.index("product_name")] for row in low[:3]]
    assert named == facts_for(workspace).low_stock_products
    assert facts["alerts.expiring.count"] == str(len(near))
    soonest = near[0][alerts.COLUMNS.index("alert_expiry_date")]
    assert facts["alerts.expiring.soonest_days"] == str((soonest - today).days)
