import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from stockscan.entitlements.enforcement import quota_reservation
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.orgs.models import Role
from tests.conftest import client_for
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

URL = "/api/auth/me/org/entitlements"


def test_exact_keys_and_values_of_a_trial_tenant(workspace):
    body = workspace.client().get(URL).json()

    assert set(body) == {
        "plan_effective",
        "plan_source",
        "expires_at",
        "subscription_status",
        "cancel_at_period_end",
        "trial_ends_at",
        "grace_ends_at",
        "entitlements",
        "limits",
        "usage",
        "over_limit",
    }
    assert (body["plan_effective"], body["plan_source"]) == ("BOUTIQUE", "TRIAL")
    assert body["expires_at"] == body["trial_ends_at"]
    assert body["subscription_status"] == "none"
    assert body["entitlements"] == ["ai_assistant_basic", "alerts_stock", "credit_book", "loss_management"]
    assert body["limits"] == {
        "max_products": 1000,
        "max_services": 2,
        "max_users": 3,
        "max_customers": 300,
        "csv_monthly_limit": None,
        "xlsx_monthly_limit": 30,
        "ai_requests_monthly_limit": 15,
        "history_days": None,
    }
    assert body["usage"] == {
        "products": 0,
        "services": 2,
        "users": 4,
        "customers": 0,
        "exports_csv_month": 0,
        "exports_xlsx_month": 0,
        "ai_requests_month": 0,
    }
    assert body["over_limit"] == {
        "max_products": False,
        "max_services": False,
        "max_users": True,  # 4 members on a 3-seat plan: shown, nothing removed
        "max_customers": False,
        "csv_monthly_limit": False,
        "xlsx_monthly_limit": False,
        "ai_requests_monthly_limit": False,
    }


def test_usage_counts_this_months_quota_of_this_tenant_only(workspace, other_workspace):
    with scope(tenant=workspace.tenant.pk), quota_reservation(workspace.tenant, Metric.EXPORT_XLSX):
        pass
    assert workspace.client().get(URL).json()["usage"]["exports_xlsx_month"] == 1
    assert other_workspace.client().get(URL).json()["usage"]["exports_xlsx_month"] == 0


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.OPERATOR, "operator_bar"])
def test_any_member_may_read_it(workspace, role):
    response = workspace.client(role).get(URL)
    assert response.status_code == 200
    assert response.json()["plan_effective"] == "BOUTIQUE"


def test_trailing_slash_and_other_tenant(workspace, other_workspace):
    set_plan(other_workspace.tenant, PlanCode.PRO)
    assert workspace.client().get(URL + "/").json()["plan_effective"] == "BOUTIQUE"
    assert other_workspace.client().get(URL + "/").json()["plan_effective"] == "PRO"


def test_non_member_and_anonymous(workspace, other_workspace, outsider, api_client):
    assert client_for(outsider).get(URL).status_code == 403
    assert api_client.get(URL).status_code == 401
    foreign = client_for(workspace.user(Role.OWNER), tenant=other_workspace.tenant).get(URL)
    assert (foreign.status_code, foreign.json()["code"]) == (404, "NOT_FOUND")


def test_query_count_is_fixed(workspace):
    client = workspace.client()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(URL).status_code == 200
    # The user, the membership with the tenant and what its plan is computed from (billing
    # state, override), and the tenant's services, until the request's context is cached...
    assert len(cold) == 8, "\n".join(q["sql"] for q in cold)
    # ...then: products count, services count, seats (members and pending invitations, one
    # query), active customers (credit book), this month's counters.
    assert len(warm) == 5, "\n".join(q["sql"] for q in warm)


def test_plan_resolution_costs_one_query_per_request(workspace):
    """The plan is read once per request however many checks the request makes."""
    from stockscan.entitlements.enforcement import require_feature
    from stockscan.entitlements.plans import Feature
    from stockscan.orgs.models import Tenant

    tenant = Tenant.objects.get(pk=workspace.tenant.pk)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            require_feature(tenant, Feature.LOSS_MANAGEMENT)
    assert len(queries) == 1
