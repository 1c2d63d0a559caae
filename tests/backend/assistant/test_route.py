"""POST /api/ai/assistant/: the contract, always 200 (429 only for a member asking too fast)."""

import uuid

import pytest
from django_scopes import scopes_disabled

from stockscan.assistant.models import AssistantRequest
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

CONTRACT = {
    "message",
    "insights",
    "actions",
    "question",
    "mode",
    "reason",
    "facts",
    "usage",
    "request_id",
    "conversation",
}


@pytest.mark.parametrize("path", ["/api/ai/assistant/", "/api/ai/assistant"])
def test_the_contract_with_ai_off(workspace, other_workspace, settings, path):
    settings.AI_ENABLED = False
    response = workspace.client().post(path, {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT
    assert body["mode"] == "fallback"
    assert body["reason"] == "AI_DISABLED"
    assert 3 <= len(body["insights"]) <= 5
    for insight in body["insights"]:
        assert set(insight) == {"title", "detail", "severity", "facts"}
        assert insight["severity"] in {"info", "warning", "critical"}
    for action in body["actions"]:
        assert set(action) == {"label", "kind", "href", "action_key", "requires_confirmation"}
        assert (action["href"] is None) != (action["action_key"] is None)
        assert action["href"] is None or action["href"].startswith("/")
    assert body["usage"] == {"used": 0, "limit": 15}  # the trial's plan (BOUTIQUE)
    uuid.UUID(body["request_id"])
    assert body["conversation"] is None


def test_each_request_is_recorded_without_its_text(workspace, settings):
    settings.AI_ENABLED = False
    body = workspace.client().post("/api/ai/assistant/", {"question": "Combien vaut mon stock ?"}, format="json").json()
    with scopes_disabled():
        record = AssistantRequest.objects.get(request_id=body["request_id"])
        stored = " ".join(
            str(value) for value in AssistantRequest.objects.filter(pk=record.pk).values().first().values()
        )
    assert (record.tenant_id, record.user_id, record.scope, record.mode, record.reason) == (
        workspace.tenant.pk,
        workspace.user(Role.OWNER).pk,
        "inventory",
        "fallback",
        "AI_DISABLED",
    )
    assert "Combien" not in stored


@pytest.mark.parametrize(
    ("settings_changes", "reason"),
    [
        ({"AI_ENABLED": False}, "AI_DISABLED"),
        ({"AI_ENABLED": True, "OPENAI_API_KEY": ""}, "AI_NOT_CONFIGURED"),
    ],
)
def test_ai_off_or_without_a_key(workspace, settings, settings_changes, reason):
    for name, value in settings_changes.items():
        setattr(settings, name, value)
    body = workspace.client().post("/api/ai/assistant/", {}, format="json").json()
    assert (body["mode"], body["reason"]) == ("fallback", reason)


def test_the_free_plan_gets_the_fallback_with_its_reason(workspace, settings):
    settings.AI_ENABLED, settings.OPENAI_API_KEY = True, "sk-test"
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    body = workspace.client().post("/api/ai/assistant/", {}, format="json").json()
    assert (body["mode"], body["reason"]) == ("fallback", "FEATURE_NOT_INCLUDED")
    assert body["usage"] == {"used": 0, "limit": 0}


def test_bad_input_is_a_400(workspace):
    client = workspace.client()
    assert client.post("/api/ai/assistant/", {"question": "x" * 501}, format="json").status_code == 400
    assert client.post("/api/ai/assistant/", {"scope": "weather"}, format="json").status_code == 400
    assert client.post("/api/ai/assistant/", {"month": "2026-13"}, format="json").status_code == 400


def test_another_tenants_service_is_not_found(workspace, other_workspace):
    response = workspace.client().post("/api/ai/assistant/", {"service": other_workspace.bar.pk}, format="json")
    assert response.status_code == 404


def test_a_member_limited_to_a_service_cannot_ask_about_another(workspace):
    response = workspace.client("operator_bar").post(
        "/api/ai/assistant/", {"service": workspace.kitchen.pk}, format="json"
    )
    assert response.status_code == 404


def test_a_member_asking_too_fast_gets_429_and_only_that_member(workspace, settings):
    settings.AI_ENABLED = False
    settings.AI_THROTTLE_RATE = "2/hour"  # an hour's window: three requests almost never straddle two
    owner, manager = workspace.client(), workspace.client(Role.MANAGER)
    assert [owner.post("/api/ai/assistant/", {}, format="json").status_code for _ in range(3)] == [200, 200, 429]
    throttled = owner.post("/api/ai/assistant/", {}, format="json")
    assert throttled.json()["code"] == "THROTTLED"
    assert int(throttled["Retry-After"]) > 0
    assert manager.post("/api/ai/assistant/", {}, format="json").status_code == 200


def test_a_business_without_a_service_yet_still_gets_an_answer(db, settings):
    from tests.conftest import client_for
    from tests.factories import MembershipFactory, TenantFactory

    settings.AI_ENABLED = False
    membership = MembershipFactory(tenant=TenantFactory(), role=Role.OWNER)
    response = client_for(membership.user).post("/api/ai/assistant/", {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "fallback"
    assert len(body["insights"]) == 3
