"""The plan's gates live in the services and selectors that do the work, so a caller other
than the API (a task, a command, the assistant) is refused exactly like a request."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from stockscan.entitlements.errors import FeatureNotIncluded, MonthOutsideHistory
from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import Loss, LossReason, StockCount
from stockscan.inventory.selectors.alerts import EXPIRY, LOW_STOCK, alert_rows
from stockscan.inventory.selectors.stats import inventory_stats
from stockscan.inventory.services.counting import count_start
from stockscan.inventory.services.losses import loss_delete, loss_record, loss_update
from stockscan.orgs.models import Role
from tests.factories import LossFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db


def _a_year_ago() -> date:
    today = timezone.localdate()
    return date(today.year - 1, today.month, 1)


def _this_month() -> date:
    return timezone.localdate().replace(day=1)


@pytest.fixture
def cheese(workspace, other_workspace):
    LossFactory(product=ProductFactory(tenant=other_workspace.tenant, service=other_workspace.kitchen))
    return ProductFactory(
        tenant=workspace.tenant, service=workspace.kitchen, name="Comté", unit="kg", purchase_price=Decimal("21.50")
    )


def test_count_start_refuses_a_month_outside_the_history(workspace, cheese):
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)

    with scope(tenant=workspace.tenant.pk), pytest.raises(MonthOutsideHistory):
        count_start(tenant=workspace.tenant, service=workspace.kitchen, month=_a_year_ago(), actor=None)

    with scopes_disabled():
        assert not StockCount.objects.filter(tenant=workspace.tenant).exists()


def test_loss_services_need_loss_management(workspace, cheese):
    loss = LossFactory(product=cheese, quantity=Decimal(2))
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    actor = workspace.user(Role.OWNER)

    with scope(tenant=workspace.tenant.pk):
        with pytest.raises(FeatureNotIncluded):
            loss_record(
                tenant=workspace.tenant,
                service=workspace.kitchen,
                actor=actor,
                product=cheese,
                quantity=Decimal(1),
                reason=LossReason.EXPIRED,
                occurred_on=timezone.localdate(),
            )
        with pytest.raises(FeatureNotIncluded):
            loss_update(loss=loss, actor=actor, quantity=Decimal(9))
        with pytest.raises(FeatureNotIncluded):
            loss_delete(loss=loss, actor=actor)

    with scopes_disabled():
        assert list(Loss.objects.filter(tenant=workspace.tenant).values_list("quantity", flat=True)) == [Decimal(2)]


def test_stats_of_every_service_need_multi_service_analytics(workspace, cheese):
    set_plan(workspace.tenant, PlanCode.BOUTIQUE)
    membership = workspace.members[Role.OWNER]

    with scope(tenant=workspace.tenant.pk):
        one_service = inventory_stats(
            tenant=workspace.tenant, membership=membership, month=_this_month(), service=workspace.kitchen
        )
        with pytest.raises(FeatureNotIncluded):
            inventory_stats(tenant=workspace.tenant, membership=membership, month=_this_month())

    assert one_service["month"] == f"{_this_month():%Y-%m}"


def test_stats_refuse_a_month_outside_the_history(workspace, cheese):
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)

    with scope(tenant=workspace.tenant.pk), pytest.raises(MonthOutsideHistory):
        inventory_stats(
            tenant=workspace.tenant,
            membership=workspace.members[Role.OWNER],
            month=_a_year_ago(),
            service=workspace.kitchen,
        )


@pytest.mark.parametrize(
    ("plan", "kind"),
    [(PlanCode.ESSENTIEL, None), (PlanCode.ESSENTIEL, LOW_STOCK), (PlanCode.BOUTIQUE, EXPIRY)],
)
def test_alerts_need_their_entitlement(workspace, cheese, plan, kind):
    set_plan(workspace.tenant, plan)

    with scope(tenant=workspace.tenant.pk), pytest.raises(FeatureNotIncluded):
        alert_rows(
            tenant=workspace.tenant,
            service_ids=[workspace.kitchen.pk],
            month=_this_month(),
            today=timezone.localdate(),
            kind=kind,
        )


def test_alerts_refuse_a_month_outside_the_history(workspace, cheese):
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    StockCountFactory(tenant=workspace.tenant, service=workspace.kitchen, month=_a_year_ago())

    with scope(tenant=workspace.tenant.pk), pytest.raises(MonthOutsideHistory):
        alert_rows(
            tenant=workspace.tenant, service_ids=[workspace.kitchen.pk], month=_a_year_ago(), today=timezone.localdate()
        )
