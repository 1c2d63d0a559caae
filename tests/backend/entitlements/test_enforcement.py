"""Every refusal code, through HTTP where its route exists and at the service layer where
its capability lands in a later issue; and quotas that are exact and never leak."""

import pytest
from django.db import transaction
from django_scopes import scope, scopes_disabled

from stockscan.entitlements.enforcement import check_count_limit, quota_reservation, require_feature
from stockscan.entitlements.errors import FeatureNotIncluded, LimitExceeded
from stockscan.entitlements.models import PlanGrant, TenantPlanOverride, UsageCounter
from stockscan.entitlements.plans import Feature, Limit, Metric, PlanCode
from stockscan.entitlements.selectors import current_period, forget_effective_plan
from stockscan.orgs.models import Service
from tests.plans import set_plan

pytestmark = pytest.mark.django_db


def override(tenant, **fields):
    with scopes_disabled():
        TenantPlanOverride.objects.update_or_create(tenant=tenant, defaults=fields)
    forget_effective_plan(tenant)


def used(tenant, metric: Metric) -> int:
    with scopes_disabled():
        row = UsageCounter.objects.filter(tenant=tenant, metric=metric, period=current_period(tenant)).first()
    return row.used if row else 0


# --- Count limits over HTTP: services (the route exists).


def test_creating_a_service_beyond_the_plan_is_refused_with_limit_and_used(workspace):
    response = workspace.client().post("/api/auth/services/", {"name": "Cave", "service_type": "bar"}, format="json")

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "LIMIT_MAX_SERVICES"
    assert (body["limit"], body["used"]) == (2, 2)
    assert body["detail"]
    with scopes_disabled():
        assert Service.objects.filter(tenant=workspace.tenant).count() == 2


def test_refusal_detail_is_translated(workspace):
    client = workspace.client()
    payload = {"name": "Cave", "service_type": "bar"}
    french = client.post("/api/auth/services/", payload, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    english = client.post("/api/auth/services/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert french.json()["code"] == english.json()["code"] == "LIMIT_MAX_SERVICES"
    assert "Upgrade" in english.json()["detail"]
    assert french.json()["detail"] != english.json()["detail"]


def test_upgrade_lifts_the_service_limit(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    response = workspace.client().post("/api/auth/services/", {"name": "Cave", "service_type": "bar"}, format="json")
    assert response.status_code == 201


def test_registration_with_more_services_than_the_trial_allows_creates_nothing(api_client):
    payload = {
        "username": "paul",
        "email": "paul@example.test",
        "password": "Tres-Secret-987",
        "password_confirm": "Tres-Secret-987",
        "tenant_name": "Chez Paul",
        "business_type": "bar",
        "service_type": "bar",
        "service_name": "Bar",
        "domain": "food",
        "extra_services": [{"name": "Cuisine", "service_type": "kitchen"}, {"name": "Cave", "service_type": "bar"}],
    }
    response = api_client.post("/api/auth/register/", payload, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "LIMIT_MAX_SERVICES"
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="paul").exists()


def test_downgrade_keeps_everything_readable_and_refuses_only_new_rows(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    client = workspace.client()
    for name in ("Cave", "Terrasse", "Boutique"):
        assert (
            client.post("/api/auth/services/", {"name": name, "service_type": "other"}, format="json").status_code
            == 201
        )

    set_plan(workspace.tenant, PlanCode.ESSENTIEL)

    listing = client.get("/api/auth/services/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 5
    refused = client.post("/api/auth/services/", {"name": "Sixième", "service_type": "other"}, format="json")
    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["limit"], refused.json()["used"]) == ("LIMIT_MAX_SERVICES", 1, 5)
    entitlements = client.get("/api/auth/me/org/entitlements").json()
    assert entitlements["over_limit"]["max_services"] is True
    assert entitlements["plan_effective"] == "ESSENTIEL"


# --- Count limits at the service layer (products, customers and invitations land later).


@pytest.mark.parametrize(
    ("limit", "code"),
    [
        (Limit.MAX_PRODUCTS, "LIMIT_MAX_PRODUCTS"),
        (Limit.MAX_SERVICES, "LIMIT_MAX_SERVICES"),
        (Limit.MAX_USERS, "LIMIT_MAX_USERS"),
        (Limit.MAX_CUSTOMERS, "LIMIT_MAX_CUSTOMERS"),
    ],
)
def test_each_count_limit_refuses_with_its_code(workspace, limit, code):
    override(workspace.tenant, limits={limit.value: 0})
    with scope(tenant=workspace.tenant.pk), transaction.atomic(), pytest.raises(LimitExceeded) as refusal:
        check_count_limit(workspace.tenant, limit)
    assert refusal.value.error_code == code
    assert refusal.value.extra["limit"] == 0


def test_users_limit_counts_active_members(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)  # 10 users; the workspace has 4 members
    with scope(tenant=workspace.tenant.pk), transaction.atomic():
        check_count_limit(workspace.tenant, Limit.MAX_USERS, adding=6)
        with pytest.raises(LimitExceeded) as refusal:
            check_count_limit(workspace.tenant, Limit.MAX_USERS, adding=7)
    assert (refusal.value.extra["limit"], refusal.value.extra["used"]) == (10, 4)


def test_unlimited_needs_no_transaction(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    with scope(tenant=workspace.tenant.pk):
        check_count_limit(workspace.tenant, Limit.MAX_PRODUCTS, adding=10_000)


# --- Features.


def test_feature_not_included(workspace):
    with pytest.raises(FeatureNotIncluded) as refusal:
        require_feature(workspace.tenant, Feature.EXPORTS_EMAIL)  # trial = BOUTIQUE
    assert refusal.value.error_code == "FEATURE_NOT_INCLUDED"
    assert refusal.value.extra["feature"] == "exports_email"
    assert refusal.value.extra["plan"] == "BOUTIQUE"
    require_feature(workspace.tenant, Feature.LOSS_MANAGEMENT)


def test_feature_follows_a_manual_grant(workspace):
    from datetime import timedelta

    from django.utils import timezone

    override(workspace.tenant, grant=PlanGrant.MANUAL, plan=PlanCode.PRO, expires_at=timezone.now() + timedelta(days=1))
    require_feature(workspace.tenant, Feature.EXPORTS_EMAIL)


# --- Monthly quotas.


@pytest.mark.parametrize(
    ("metric", "code", "limit_name"),
    [
        (Metric.EXPORT_CSV, "LIMIT_EXPORT_CSV_MONTH", "csv_monthly_limit"),
        (Metric.EXPORT_XLSX, "LIMIT_EXPORT_XLSX_MONTH", "xlsx_monthly_limit"),
        (Metric.AI_REQUESTS, "LIMIT_AI_REQUESTS_MONTH", "ai_requests_monthly_limit"),
    ],
)
def test_each_quota_grants_its_limit_then_refuses_with_its_code(workspace, other_workspace, metric, code, limit_name):
    override(workspace.tenant, limits={limit_name: 2})
    with scope(tenant=workspace.tenant.pk):
        for _ in range(2):
            with quota_reservation(workspace.tenant, metric):
                pass
        with pytest.raises(LimitExceeded) as refusal, quota_reservation(workspace.tenant, metric):
            pytest.fail("the third reservation must not run")
    assert refusal.value.error_code == code
    assert (refusal.value.extra["limit"], refusal.value.extra["used"]) == (2, 2)
    assert used(workspace.tenant, metric) == 2
    assert used(other_workspace.tenant, metric) == 0


def test_essentiel_has_no_ai_requests(workspace):
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    with scope(tenant=workspace.tenant.pk), pytest.raises(LimitExceeded) as refusal:
        with quota_reservation(workspace.tenant, Metric.AI_REQUESTS):
            pass
    assert (refusal.value.error_code, refusal.value.extra["limit"]) == ("LIMIT_AI_REQUESTS_MONTH", 0)


def test_failed_work_gives_the_unit_back(workspace):
    with scope(tenant=workspace.tenant.pk):
        with quota_reservation(workspace.tenant, Metric.EXPORT_XLSX):
            pass
        with pytest.raises(ZeroDivisionError), quota_reservation(workspace.tenant, Metric.EXPORT_XLSX):
            _ = 1 / 0
    assert used(workspace.tenant, Metric.EXPORT_XLSX) == 1


def test_failed_work_inside_a_rolled_back_transaction_uses_no_quota(workspace):
    with scope(tenant=workspace.tenant.pk), pytest.raises(ValueError):
        with transaction.atomic(), quota_reservation(workspace.tenant, Metric.EXPORT_CSV):
            raise ValueError("export failed")
    assert used(workspace.tenant, Metric.EXPORT_CSV) == 0


def test_unlimited_quota_still_counts_usage(workspace):
    with scope(tenant=workspace.tenant.pk):
        for _ in range(3):
            with quota_reservation(workspace.tenant, Metric.EXPORT_CSV):  # BOUTIQUE: unlimited CSV
                pass
    assert used(workspace.tenant, Metric.EXPORT_CSV) == 3
