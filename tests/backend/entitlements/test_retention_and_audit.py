from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.sites import AdminSite
from django.test import RequestFactory
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.entitlements.admin import TenantPlanOverrideAdmin
from stockscan.entitlements.models import PlanGrant, SubscriptionStatus, TenantPlanOverride
from stockscan.entitlements.plans import PlanCode
from stockscan.entitlements.retention import history_start, is_month_visible, visible_months
from stockscan.entitlements.selectors import effective_plan, forget_effective_plan
from stockscan.entitlements.services import billing_state_update, plan_override_save
from stockscan.inventory.models import CountLine, Loss, StockCount
from stockscan.orgs.models import Tenant
from tests.factories import CountLineFactory, LossFactory, StockCountFactory, UserFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db


# --- Retention: ESSENTIEL keeps 14 days of history, by inventory month.


@pytest.mark.parametrize(
    ("today", "first_visible"),
    [
        (date(2026, 11, 21), date(2026, 11, 1)),  # 14 days back is still November
        (date(2026, 12, 5), date(2026, 11, 1)),  # early December: November still shown
        (date(2026, 12, 15), date(2026, 12, 1)),  # two weeks in: November hidden
        (date(2027, 1, 10), date(2026, 12, 1)),  # across the year
    ],
)
def test_essentiel_history_starts_at_the_month_fourteen_days_back(workspace, today, first_visible):
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    assert history_start(workspace.tenant, today=today) == first_visible


def test_paid_plans_keep_all_history(workspace):
    assert history_start(workspace.tenant) is None  # BOUTIQUE trial
    assert is_month_visible(workspace.tenant, date(2019, 1, 1))


def test_downgrade_hides_old_months_and_upgrade_shows_them_again(workspace, other_workspace):
    old_month = (timezone.localdate() - timedelta(days=60)).replace(day=1)
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    assert not is_month_visible(workspace.tenant, old_month)
    assert is_month_visible(other_workspace.tenant, old_month)  # still on its trial
    set_plan(workspace.tenant, PlanCode.PRO)
    assert is_month_visible(workspace.tenant, old_month)


MID_DECEMBER = datetime(2026, 12, 20, 12, tzinfo=UTC)  # 14 days back is still December
MONTHS = [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]


@pytest.fixture
def three_months(workspace, other_workspace):
    """A count with a line and a loss in each of October, November and December, in both tenants."""
    for ws in (workspace, other_workspace):
        for month in MONTHS:
            count = StockCountFactory(tenant=ws.tenant, service=ws.kitchen, month=month)
            CountLineFactory(count=count)
            LossFactory(product__tenant=ws.tenant, product__service=ws.kitchen, occurred_on=month + timedelta(days=9))


def _months(model, field: str, tenant) -> set[date]:
    """The months of the tenant's rows that `visible_months` lets through."""
    with scopes_disabled():
        visible = visible_months(model.objects.filter(tenant=tenant), tenant=tenant, month_field=field)
        return {value.replace(day=1) for value in visible.values_list(field, flat=True)}


# Each kind of dated row, with the field its inventory month is read from.
by_dated_row = pytest.mark.parametrize(
    ("model", "field"),
    [(StockCount, "month"), (CountLine, "count__month"), (Loss, "occurred_on")],
    ids=["counts", "lines", "losses"],
)


@by_dated_row
def test_visible_months_keeps_only_the_plans_history(workspace, three_months, model, field):
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)

    with time_machine.travel(MID_DECEMBER, tick=False):
        shown = _months(model, field, workspace.tenant)

    assert shown == {date(2026, 12, 1)}


@by_dated_row
def test_visible_months_keeps_every_month_of_a_paid_plan(workspace, three_months, model, field):
    set_plan(workspace.tenant, PlanCode.PRO)

    with time_machine.travel(MID_DECEMBER, tick=False):
        shown = _months(model, field, workspace.tenant)

    assert shown == set(MONTHS)


# --- Audit: plan changes and staff overrides leave a trace.


def audit_entries(tenant, action):
    with scopes_disabled():
        return list(AuditEntry.objects.filter(tenant=tenant, action=action))


def test_a_billing_change_of_plan_is_audited_with_before_and_after(workspace, other_workspace):
    billing_state_update(
        tenant=workspace.tenant,
        reason="customer.subscription.updated",
        subscription_plan=PlanCode.PRO,
        subscription_status=SubscriptionStatus.ACTIVE,
        current_period_end=timezone.now() + timedelta(days=30),
    )
    [entry] = audit_entries(workspace.tenant, "plan.changed")
    assert entry.before == {"plan": "BOUTIQUE", "source": "TRIAL"}
    assert entry.after == {"plan": "PRO", "source": "STRIPE", "reason": "customer.subscription.updated"}
    assert audit_entries(other_workspace.tenant, "plan.changed") == []


def test_a_billing_update_that_keeps_the_plan_writes_no_plan_change(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    billing_state_update(
        tenant=workspace.tenant, reason="renewal", current_period_end=timezone.now() + timedelta(days=60)
    )
    assert len(audit_entries(workspace.tenant, "plan.changed")) == 1  # set_plan's own change only


def test_a_manual_grant_saved_by_staff_is_audited_and_applies(workspace):
    staff = UserFactory(is_staff=True)
    override = TenantPlanOverride(
        tenant=workspace.tenant, grant=PlanGrant.LIFETIME, plan=PlanCode.ENTERPRISE, limits={"max_users": 40}
    )
    plan_override_save(override=override, actor=staff)

    [entry] = audit_entries(workspace.tenant, "plan.override_saved")
    assert entry.actor == staff
    assert entry.before == {"plan": "BOUTIQUE", "source": "TRIAL"}
    assert entry.after["plan"] == "ENTERPRISE"
    assert entry.after["source"] == "LIFETIME"
    assert entry.after["limits"] == {"max_users": 40}
    fresh = Tenant.objects.get(pk=workspace.tenant.pk)
    assert effective_plan(fresh).limit("max_users") == 40


def test_an_invalid_override_is_refused_and_not_saved(workspace):
    from django.core.exceptions import ValidationError

    override = TenantPlanOverride(
        tenant=workspace.tenant, grant=PlanGrant.MANUAL, plan=PlanCode.PRO, limits={"max_seats": 3}
    )
    with pytest.raises(ValidationError) as refusal:
        plan_override_save(override=override, actor=UserFactory(is_staff=True))
    assert set(refusal.value.message_dict) == {"expires_at", "limits"}
    with scopes_disabled():
        assert not TenantPlanOverride.objects.exists()
    assert audit_entries(workspace.tenant, "plan.override_saved") == []


def test_the_admin_saves_overrides_through_the_audited_service(workspace):
    staff = UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().post("/admin/")
    request.user = staff
    override = TenantPlanOverride(tenant=workspace.tenant, features_added=["exports_email"])
    TenantPlanOverrideAdmin(TenantPlanOverride, AdminSite()).save_model(request, override, form=None, change=False)
    assert len(audit_entries(workspace.tenant, "plan.override_saved")) == 1
    forget_effective_plan(workspace.tenant)
    assert effective_plan(workspace.tenant).has("exports_email")
