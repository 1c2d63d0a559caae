"""On PostgreSQL: AI answers draw on the monthly quota atomically, and only AI answers do."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection  # noqa: F401  (read by the skipif conditions)
from django_scopes import scopes_disabled

from stockscan.entitlements.models import TenantPlanOverride, UsageCounter
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.orgs.models import Role
from tests.conftest import client_for, make_workspace
from tests.factories import CountLineFactory, StockCountFactory
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently
from tests.support.fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai(settings):
    server = FakeOpenAI().start()
    settings.AI_ENABLED = True
    settings.OPENAI_API_KEY = "sk-test-assistant"
    settings.OPENAI_BASE_URL = server.base_url
    settings.AI_TIMEOUT_SECONDS = 10
    settings.AI_THROTTLE_RATE = "1000/min"
    yield server
    server.stop()


def _used(tenant) -> int:
    with scopes_disabled():
        return (
            UsageCounter.objects.filter(tenant=tenant, metric=Metric.AI_REQUESTS).values_list("used", flat=True).first()
            or 0
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent transactions need PostgreSQL")
def test_fifty_concurrent_questions_against_a_remaining_quota_of_five(fake_openai):
    workspace = make_workspace("Concurrent questions")
    other = make_workspace("Other tenant")
    set_plan(workspace.tenant, PlanCode.PRO)
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=workspace.tenant, limits={"ai_requests_monthly_limit": 5})
    count = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))
    CountLineFactory(count=count, product__name="Rhum", product__min_quantity=Decimal("10"))
    fake_openai.latency = 0.05  # the model thinks while the others reserve
    owner = workspace.user(Role.OWNER)

    def ask(_):
        response = client_for(owner).post("/api/ai/assistant/", {"month": "2026-10"}, format="json")
        body = response.json()
        return response.status_code, body["mode"], body["reason"]

    results = run_concurrently(50, ask)

    assert sorted(results) == sorted([(200, "ai", None)] * 5 + [(200, "fallback", "LIMIT_AI_REQUESTS_MONTH")] * 45), (
        results
    )
    assert _used(workspace.tenant) == 5
    assert len(fake_openai.requests) == 5
    assert _used(other.tenant) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent transactions need PostgreSQL")
def test_concurrent_failures_give_every_unit_back(fake_openai):
    workspace = make_workspace("Failing model")
    set_plan(workspace.tenant, PlanCode.PRO)
    fake_openai.status_always = 500
    owner = workspace.user(Role.OWNER)

    def ask(_):
        body = client_for(owner).post("/api/ai/assistant/", {}, format="json").json()
        return body["mode"], body["reason"]

    results = run_concurrently(20, ask)

    assert results == [("fallback", "AI_UPSTREAM_ERROR")] * 20
    assert _used(workspace.tenant) == 0
