"""/api/auth/services/: the tenant's services, with presets by service type.

The entitlements layer limits a new tenant (BOUTIQUE trial) to 2 services and the
`workspace` fixture already has 2, so every test that creates a service first deletes
workspace.bar (and the operator limited to it) through the ORM to leave room for one more."""

import pytest
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Membership, Role, Service
from stockscan.orgs.presets import FEATURE_KEYS, preset_for
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.plans import set_plan

LIST_URL = "/api/auth/services/"


def detail_url(service_id) -> str:
    return f"{LIST_URL}{service_id}/"


def make_room(workspace) -> None:
    """Free one service slot under the plan limit (BOUTIQUE trial: 2 services)."""
    with scopes_disabled():
        Membership.objects.filter(service=workspace.bar).delete()
        Service.objects.filter(pk=workspace.bar.pk).delete()


def services_of(tenant) -> list[Service]:
    with scopes_disabled():
        return list(Service.objects.filter(tenant=tenant).order_by("name"))


def audit_entries(tenant, action: str) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(tenant=tenant, action=action))


# --- list


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.OPERATOR])
def test_list_is_paginated_and_shows_only_the_tenants_services(workspace, role):
    response = workspace.client(role).get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert body["next"] is None
    assert body["previous"] is None
    assert [s["id"] for s in body["results"]] == [workspace.bar.pk, workspace.kitchen.pk]  # ordered by name
    bar = body["results"][0]
    assert set(bar) >= {"id", "name", "service_type", "counting_mode", "features"}
    assert bar["features"] == preset_for("bar")["features"]


def test_list_pages(workspace):
    response = workspace.client().get(LIST_URL, {"page_size": 1})

    body = response.json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert body["next"]
    second = workspace.client().get(body["next"]).json()
    assert [s["id"] for s in second["results"]] == [workspace.kitchen.pk]
    assert second["previous"]


def test_operator_limited_to_one_service_sees_only_it(workspace):
    client = workspace.client("operator_bar")

    assert [s["id"] for s in client.get(LIST_URL).json()["results"]] == [workspace.bar.pk]
    assert client.get(detail_url(workspace.bar.pk)).status_code == 200
    assert client.get(detail_url(workspace.kitchen.pk)).status_code == 404


@pytest.mark.parametrize("url", ["/api/auth/services/", "/api/auth/services"])
def test_list_with_and_without_trailing_slash(workspace, url):
    response = workspace.client().get(url)

    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_retrieve(workspace):
    response = workspace.client().get(detail_url(workspace.kitchen.pk))

    assert response.status_code == 200
    assert response.json()["name"] == "Cuisine"
    assert response.json()["features"] == preset_for("kitchen")["features"]


@pytest.mark.parametrize(
    ("method", "payload"),
    [("get", None), ("patch", {"name": "Pris"}), ("delete", None)],
)
def test_another_tenants_service_answers_404(workspace, other_workspace, method, payload):
    foreign = other_workspace.kitchen
    client = workspace.client(Role.OWNER)

    response = getattr(client, method)(detail_url(foreign.pk), payload, format="json")

    missing = getattr(client, method)(detail_url(10_000_000), payload, format="json")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert response.json()["code"] == "NOT_FOUND"
    with scopes_disabled():
        foreign.refresh_from_db()
    assert foreign.name == "Cuisine"


def test_services_need_authentication(api_client, workspace):
    response = api_client.get(LIST_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "NOT_AUTHENTICATED"


def test_user_without_membership_is_refused(outsider):
    response = client_for(outsider).get(LIST_URL)

    assert response.status_code == 403
    assert response.json()["code"] == "NO_TENANT_MEMBERSHIP"


# --- create


@pytest.mark.parametrize("url", ["/api/auth/services/", "/api/auth/services"])
def test_create_applies_the_preset(workspace, url):
    make_room(workspace)

    response = workspace.client().post(url, {"name": "Comptoir", "service_type": "bar"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Comptoir"
    assert body["service_type"] == "bar"
    assert body["counting_mode"] == "mixed"
    assert body["features"] == preset_for("bar")["features"]
    assert body["features"]["open_container_tracking"] is True
    assert set(body["features"]) == set(FEATURE_KEYS)
    with scopes_disabled():
        stored = Service.objects.get(pk=body["id"])
    assert stored.tenant_id == workspace.tenant.pk
    assert (stored.counting_mode, stored.features) == ("mixed", preset_for("bar")["features"])


def test_create_with_overrides(workspace):
    make_room(workspace)

    response = workspace.client().post(
        LIST_URL,
        {
            "name": "Épicerie",
            "service_type": "grocery_food",
            "counting_mode": "weight",
            "features": {"lot": True, "barcode": False},
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["counting_mode"] == "weight"
    assert body["features"] == {**preset_for("grocery_food")["features"], "lot": True, "barcode": False}


def test_create_without_type_uses_the_other_preset(workspace):
    make_room(workspace)

    response = workspace.client().post(LIST_URL, {"name": "Réserve"}, format="json")

    assert response.status_code == 201
    assert response.json()["service_type"] == "other"
    assert response.json()["features"] == preset_for("other")["features"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Cave", "features": {"teleportation": True}}, "features"),
        ({"name": "Cave", "features": {"barcode": "maybe"}}, "features"),
        ({"name": "Cave", "features": ["barcode"]}, "features"),
        ({"name": "Cave", "service_type": "spaceship"}, "service_type"),
        ({"name": "Cave", "counting_mode": "by_eye"}, "counting_mode"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({}, "name"),
    ],
)
def test_create_invalid_is_400_with_fields(workspace, payload, field):
    make_room(workspace)

    response = workspace.client().post(LIST_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["fields"]
    assert [s.name for s in services_of(workspace.tenant)] == ["Cuisine"]


@pytest.mark.parametrize("name", ["Cuisine", "cuisine", "  CUISINE  "])
def test_create_duplicate_name_is_409(workspace, name):
    make_room(workspace)

    response = workspace.client().post(LIST_URL, {"name": name, "service_type": "kitchen"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "SERVICE_NAME_TAKEN"
    assert isinstance(response.json()["detail"], str)
    assert len(services_of(workspace.tenant)) == 1


def test_create_same_name_as_another_tenants_service_is_fine(workspace, other_workspace):
    make_room(workspace)
    assert "Bar" in [s.name for s in services_of(other_workspace.tenant)]

    response = workspace.client().post(LIST_URL, {"name": "Bar", "service_type": "bar"}, format="json")

    assert response.status_code == 201


def test_create_ignores_the_tenant_in_the_body(workspace, other_workspace):
    make_room(workspace)
    foreign = other_workspace.tenant
    before_foreign = [s.pk for s in services_of(foreign)]

    response = workspace.client().post(
        LIST_URL,
        {"name": "Terrasse", "service_type": "restaurant_dining", "tenant": foreign.pk, "tenant_id": foreign.pk},
        format="json",
    )

    assert response.status_code == 201
    with scopes_disabled():
        assert Service.objects.get(pk=response.json()["id"]).tenant_id == workspace.tenant.pk
    assert [s.pk for s in services_of(foreign)] == before_foreign


def test_manager_may_create(workspace):
    make_room(workspace)

    response = workspace.client(Role.MANAGER).post(LIST_URL, {"name": "Cave", "service_type": "bar"}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("member", [Role.OPERATOR, "operator_bar"])
@pytest.mark.parametrize(
    ("method", "target", "payload"),
    [
        ("post", None, {"name": "Cave", "service_type": "bar"}),
        ("patch", "kitchen", {"name": "Renamed"}),
        ("delete", "kitchen", None),
        ("patch", "bar", {"name": "Renamed"}),
        ("delete", "bar", None),
    ],
)
def test_operator_may_not_manage_services(workspace, member, method, target, payload):
    if method == "post":
        # Room for one more service (PRO: 5), so a refusal can only come from the role.
        set_plan(workspace.tenant, PlanCode.PRO)
    before = [(s.pk, s.name) for s in services_of(workspace.tenant)]
    url = detail_url(getattr(workspace, target).pk) if target else LIST_URL

    response = getattr(workspace.client(member), method)(url, payload, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"
    assert [(s.pk, s.name) for s in services_of(workspace.tenant)] == before


def test_create_in_the_tenant_chosen_by_x_tenant_id(workspace, other_workspace):
    user = workspace.user(Role.OWNER)
    MembershipFactory(tenant=other_workspace.tenant, user=user, role=Role.MANAGER)
    make_room(workspace)
    make_room(other_workspace)

    in_other = client_for(user, tenant=other_workspace.tenant).post(
        LIST_URL, {"name": "Terrasse", "service_type": "restaurant_dining"}, format="json"
    )
    in_default = client_for(user).post(LIST_URL, {"name": "Comptoir", "service_type": "bar"}, format="json")

    assert in_other.status_code == 201
    assert in_default.status_code == 201
    assert [s.name for s in services_of(other_workspace.tenant)] == ["Cuisine", "Terrasse"]
    assert [s.name for s in services_of(workspace.tenant)] == ["Comptoir", "Cuisine"]
    listed = client_for(user, tenant=other_workspace.tenant).get(LIST_URL).json()["results"]
    assert [s["name"] for s in listed] == ["Cuisine", "Terrasse"]


def test_x_tenant_id_of_a_tenant_the_user_is_not_member_of_is_404(workspace, other_workspace):
    make_room(other_workspace)
    client = client_for(workspace.user(Role.OWNER), tenant=other_workspace.tenant)

    listed = client.get(LIST_URL)
    created = client.post(LIST_URL, {"name": "Intrus", "service_type": "bar"}, format="json")

    assert listed.status_code == 404
    assert created.status_code == 404
    assert created.json()["code"] == "NOT_FOUND"
    assert [s.name for s in services_of(other_workspace.tenant)] == ["Cuisine"]


# --- update


def test_patch_name_and_features(workspace):
    kitchen = workspace.kitchen

    response = workspace.client(Role.MANAGER).patch(
        detail_url(kitchen.pk), {"name": "Cuisine chaude", "features": {"barcode": True, "lot": False}}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Cuisine chaude"
    assert body["features"] == {**preset_for("kitchen")["features"], "barcode": True, "lot": False}
    assert body["service_type"] == "kitchen"
    with scopes_disabled():
        kitchen.refresh_from_db()
    assert kitchen.name == "Cuisine chaude"
    assert kitchen.features["barcode"] is True
    assert kitchen.features["lot"] is False
    assert kitchen.features["dlc"] is True  # untouched keys keep their value


@pytest.mark.parametrize("url_suffix", ["/", ""])
def test_patch_with_and_without_trailing_slash(workspace, url_suffix):
    response = workspace.client().patch(
        f"{LIST_URL}{workspace.kitchen.pk}{url_suffix}", {"counting_mode": "weight"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["counting_mode"] == "weight"


@pytest.mark.parametrize("name", ["Bar", "bar", " BAR "])
def test_patch_to_a_taken_name_is_409(workspace, name):
    response = workspace.client().patch(detail_url(workspace.kitchen.pk), {"name": name}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "SERVICE_NAME_TAKEN"
    with scopes_disabled():
        workspace.kitchen.refresh_from_db()
    assert workspace.kitchen.name == "Cuisine"


def test_patch_renaming_in_another_case_of_its_own_name_is_fine(workspace):
    response = workspace.client().patch(detail_url(workspace.kitchen.pk), {"name": "CUISINE"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "CUISINE"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"features": {"unknown_flag": True}}, "features"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"counting_mode": "x"}, "counting_mode"),
    ],
)
def test_patch_invalid_is_400(workspace, payload, field):
    response = workspace.client().patch(detail_url(workspace.kitchen.pk), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    with scopes_disabled():
        workspace.kitchen.refresh_from_db()
    assert workspace.kitchen.features == preset_for("kitchen")["features"]


def test_patch_cannot_move_a_service_to_another_tenant(workspace, other_workspace):
    response = workspace.client().patch(
        detail_url(workspace.kitchen.pk),
        {"name": "Cuisine 2", "tenant": other_workspace.tenant.pk, "service_type": "bar"},
        format="json",
    )

    assert response.status_code == 200
    with scopes_disabled():
        workspace.kitchen.refresh_from_db()
    assert workspace.kitchen.tenant_id == workspace.tenant.pk
    assert workspace.kitchen.service_type == "kitchen"


# --- delete


def test_delete_then_the_last_service_is_kept(workspace, other_workspace):
    client = workspace.client()

    deleted = client.delete(detail_url(workspace.kitchen.pk))

    assert deleted.status_code == 204
    assert [s.pk for s in services_of(workspace.tenant)] == [workspace.bar.pk]
    assert client.get(detail_url(workspace.kitchen.pk)).status_code == 404

    last = client.delete(detail_url(workspace.bar.pk))

    assert last.status_code == 409
    assert last.json()["code"] == "LAST_SERVICE"
    assert isinstance(last.json()["detail"], str)
    assert [s.pk for s in services_of(workspace.tenant)] == [workspace.bar.pk]
    # The other tenant's services are untouched.
    assert len(services_of(other_workspace.tenant)) == 2


def test_delete_without_trailing_slash(workspace):
    response = workspace.client(Role.MANAGER).delete(f"{LIST_URL}{workspace.kitchen.pk}")

    assert response.status_code == 204
    assert [s.pk for s in services_of(workspace.tenant)] == [workspace.bar.pk]


def test_deleting_its_service_does_not_widen_a_limited_operator(workspace):
    """An operator limited to the bar must never end up seeing the kitchen because the bar
    was deleted: no service means "every service", so the deletion is refused until the
    owner gives the operator another service."""
    refused = workspace.client().delete(detail_url(workspace.bar.pk))

    assert refused.status_code == 409
    assert refused.json()["code"] == "SERVICE_HAS_MEMBERS"
    assert workspace.bar.pk in [s.pk for s in services_of(workspace.tenant)]
    operator = workspace.client("operator_bar")
    assert [s["id"] for s in operator.get(LIST_URL).json()["results"]] == [workspace.bar.pk]
    assert operator.get(detail_url(workspace.kitchen.pk)).status_code == 404


# --- audit


def test_create_update_delete_are_audited(workspace, other_workspace):
    make_room(workspace)
    actor = workspace.user(Role.MANAGER)
    client = workspace.client(Role.MANAGER)

    created = client.post(LIST_URL, {"name": "Cave", "service_type": "bar"}, format="json").json()
    client.patch(detail_url(created["id"]), {"name": "Cave à vins"}, format="json")
    assert client.delete(detail_url(created["id"])).status_code == 204

    for action in ("service.created", "service.updated", "service.deleted"):
        [entry] = audit_entries(workspace.tenant, action)
        assert entry.actor_id == actor.pk
        assert entry.target_type == "orgs.service"
        assert entry.target_id == str(created["id"])
    [updated] = audit_entries(workspace.tenant, "service.updated")
    assert updated.before["name"] == "Cave"
    assert updated.after["name"] == "Cave à vins"
    [deleted] = audit_entries(workspace.tenant, "service.deleted")
    assert deleted.before["name"] == "Cave à vins"
    # Nothing was written to the other tenant's log.
    with scopes_disabled():
        assert not AuditEntry.objects.filter(tenant=other_workspace.tenant, action__startswith="service.").exists()


@pytest.mark.parametrize("payload", [{"name": "Bar"}, {"features": {"nope": True}}])
def test_refused_changes_are_not_audited(workspace, payload):
    workspace.client().patch(detail_url(workspace.kitchen.pk), payload, format="json")
    workspace.client().delete(detail_url(workspace.kitchen.pk))
    workspace.client().delete(detail_url(workspace.bar.pk))  # the last one: refused

    assert audit_entries(workspace.tenant, "service.updated") == []
    [deleted] = audit_entries(workspace.tenant, "service.deleted")
    assert deleted.target_id == str(workspace.kitchen.pk)
