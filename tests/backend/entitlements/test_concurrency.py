"""Quotas and count limits hold under concurrent requests on PostgreSQL (real threads, real
transactions, each thread with its own connection)."""

import pytest
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled

from stockscan.entitlements.enforcement import quota_reservation
from stockscan.entitlements.errors import LimitExceeded
from stockscan.entitlements.models import TenantPlanOverride, UsageCounter
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.entitlements.selectors import current_period
from stockscan.orgs.models import Service, Tenant
from stockscan.orgs.services.organisation import service_create
from tests.conftest import make_workspace
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"
    ),
]


def test_fifty_concurrent_reservations_against_a_limit_of_five():
    workspace = make_workspace("Concurrent")
    other = make_workspace("Other tenant")
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=workspace.tenant, limits={"xlsx_monthly_limit": 5})

    def reserve(_):
        tenant = Tenant.objects.get(pk=workspace.tenant.pk)  # one per request, like a view
        with scope(tenant=tenant.pk), quota_reservation(tenant, Metric.EXPORT_XLSX):
            return "ok"

    results = run_concurrently(50, reserve)

    granted = [r for r in results if r == "ok"]
    refused = [r for r in results if isinstance(r, LimitExceeded)]
    assert len(granted) == 5, results
    assert len(refused) == 45, results
    with scopes_disabled():
        counter = UsageCounter.objects.get(tenant=workspace.tenant, metric=Metric.EXPORT_XLSX)
        assert counter.used == 5
        assert counter.period == current_period(workspace.tenant)
        assert not UsageCounter.objects.filter(tenant=other.tenant).exists()


def test_concurrent_failing_work_uses_no_quota():
    workspace = make_workspace("Failing exports")
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=workspace.tenant, limits={"csv_monthly_limit": 5})

    def reserve_then_fail(_):
        tenant = Tenant.objects.get(pk=workspace.tenant.pk)
        with scope(tenant=tenant.pk), quota_reservation(tenant, Metric.EXPORT_CSV):
            raise RuntimeError("the export crashed")

    results = run_concurrently(20, reserve_then_fail)

    assert all(isinstance(r, (RuntimeError, LimitExceeded)) for r in results), results
    with scopes_disabled():
        assert UsageCounter.objects.get(tenant=workspace.tenant, metric=Metric.EXPORT_CSV).used == 0


def test_concurrent_service_creations_never_pass_the_limit():
    workspace = make_workspace("Racing services")
    other = make_workspace("Other tenant")
    set_plan(workspace.tenant, PlanCode.PRO)  # 5 services; the workspace has 2

    def create(index):
        tenant = Tenant.objects.get(pk=workspace.tenant.pk)
        with scope(tenant=tenant.pk), transaction.atomic():
            service_create(tenant=tenant, actor=None, name=f"Service {index}", service_type="other")
        return "ok"

    results = run_concurrently(12, create)

    assert len([r for r in results if r == "ok"]) == 3, results
    assert all(isinstance(r, LimitExceeded) for r in results if r != "ok"), results
    with scopes_disabled():
        assert Service.objects.filter(tenant=workspace.tenant).count() == 5
        assert Service.objects.filter(tenant=other.tenant).count() == 2
