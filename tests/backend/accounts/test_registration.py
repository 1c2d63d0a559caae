"""POST /api/auth/register/: a user, their business, its services and the owner membership,
all or nothing, with nothing privileged taken from the body."""

import pytest
from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from stockscan.orgs.models import Membership, Role, Service, Tenant
from stockscan.orgs.presets import FEATURE_KEYS, preset_for
from tests.factories import PASSWORD, UserFactory

User = get_user_model()

REGISTER_URL = "/api/auth/register/"
STRONG_PASSWORD = "Brasserie-Lumiere-2026"


def register_payload(**overrides) -> dict:
    payload = {
        "username": "newowner",
        "password": STRONG_PASSWORD,
        "password_confirm": STRONG_PASSWORD,
        "email": "newowner@example.test",
        "tenant_name": "Le Nouveau Bistrot",
        "business_type": "restaurant",
        "service_type": "bar",
        "service_name": "Bar principal",
        "domain": "food",
    }
    payload.update(overrides)
    return payload


def counts() -> tuple[int, int, int, int]:
    with scopes_disabled():
        return User.objects.count(), Tenant.objects.count(), Service.objects.count(), Membership.objects.count()


def test_register_creates_user_tenant_services_and_owner_membership(api_client, workspace, other_workspace):
    payload = register_payload(extra_services=[{"name": "Cuisine", "service_type": "kitchen"}])

    response = api_client.post(REGISTER_URL, payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["access"]
    assert body["refresh"]
    assert body["user"]["username"] == "newowner"
    assert body["user"]["email"] == "newowner@example.test"
    assert "password" not in body["user"]
    assert body["tenant"]["name"] == "Le Nouveau Bistrot"
    assert body["tenant"]["business_type"] == "restaurant"
    assert body["tenant"]["domain"] == "food"
    assert body["tenant"]["role"] == Role.OWNER
    assert body["tenant"]["id"] not in (workspace.tenant.pk, other_workspace.tenant.pk)

    services = {service["name"]: service for service in body["services"]}
    assert set(services) == {"Bar principal", "Cuisine"}
    bar, kitchen = services["Bar principal"], services["Cuisine"]
    # The preset of each service type is applied.
    assert bar["service_type"] == "bar"
    assert bar["counting_mode"] == "mixed"
    assert bar["features"]["open_container_tracking"] is True
    assert bar["features"] == preset_for("bar")["features"]
    assert set(bar["features"]) == set(FEATURE_KEYS)
    assert kitchen["service_type"] == "kitchen"
    assert kitchen["features"] == preset_for("kitchen")["features"]

    user = User.objects.get(username="newowner")
    assert user.check_password(STRONG_PASSWORD)
    with scopes_disabled():
        memberships = list(Membership.objects.filter(user=user))
        assert [(m.tenant_id, m.role, m.service_id) for m in memberships] == [(body["tenant"]["id"], Role.OWNER, None)]
        stored = Service.objects.filter(tenant_id=body["tenant"]["id"])
        assert {s.pk for s in stored} == {bar["id"], kitchen["id"]}


def test_register_access_token_works_on_me(api_client, workspace):
    response = api_client.post(REGISTER_URL, register_payload(), format="json")
    assert response.status_code == 201
    body = response.json()

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    me = api_client.get("/api/auth/me/")

    assert me.status_code == 200
    assert me.json()["user"]["username"] == "newowner"
    assert me.json()["tenant"]["id"] == body["tenant"]["id"]
    assert me.json()["role"] == Role.OWNER
    assert [m["tenant"]["id"] for m in me.json()["memberships"]] == [body["tenant"]["id"]]


def test_register_refresh_token_works(api_client, db):
    body = api_client.post(REGISTER_URL, register_payload(), format="json").json()

    response = api_client.post("/api/auth/refresh/", {"refresh": body["refresh"]}, format="json")

    assert response.status_code == 200
    assert response.json()["access"]


def test_register_without_service_name_names_the_service_after_its_type(api_client, db):
    payload = register_payload(service_type="kitchen")
    del payload["service_name"]

    response = api_client.post(REGISTER_URL, payload, format="json")

    assert response.status_code == 201, response.json()
    [service] = response.json()["services"]
    assert service["name"]
    assert service["service_type"] == "kitchen"
    assert service["counting_mode"] == preset_for("kitchen")["counting_mode"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password_confirm": "Another-Strong-Pass-99"}, "password_confirm"),
        ({"password": "password", "password_confirm": "password"}, "password"),
        ({"password": "Ab1-x", "password_confirm": "Ab1-x"}, "password"),
        ({"password": "84736251907", "password_confirm": "84736251907"}, "password"),
        ({"password": "newowner1", "password_confirm": "newowner1"}, "password"),
        ({"business_type": "spaceship"}, "business_type"),
        ({"service_type": "spaceship"}, "service_type"),
        ({"domain": "space"}, "domain"),
        ({"extra_services": [{"name": "Cave", "service_type": "spaceship"}]}, "extra_services"),
        ({"email": "not-an-email"}, "email"),
        ({"username": "has space"}, "username"),
        ({"tenant_name": "   "}, "tenant_name"),
    ],
    ids=[
        "passwords-mismatch",
        "common-password",
        "short-password",
        "numeric-password",
        "password-like-username",
        "unknown-business-type",
        "unknown-service-type",
        "unknown-domain",
        "unknown-extra-service-type",
        "bad-email",
        "bad-username",
        "blank-tenant-name",
    ],
)
def test_register_invalid_input_is_400_with_fields_and_creates_nothing(api_client, workspace, overrides, field):
    before = counts()

    response = api_client.post(REGISTER_URL, register_payload(**overrides), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert isinstance(body["detail"], str)
    assert field in body["fields"], body
    assert counts() == before


@pytest.mark.parametrize("field", ["username", "password", "password_confirm", "email", "tenant_name"])
def test_register_required_fields(api_client, db, field):
    payload = register_payload()
    del payload[field]

    response = api_client.post(REGISTER_URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not User.objects.filter(username="newowner").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "ALICE"}, "username"),
        ({"username": "alice"}, "username"),
        ({"email": "Alice@Example.TEST"}, "email"),
        ({"email": "alice@example.test"}, "email"),
    ],
)
def test_register_duplicate_username_or_email_case_insensitive(api_client, workspace, overrides, field):
    UserFactory(username="Alice", email="alice@example.test")
    before = counts()

    response = api_client.post(REGISTER_URL, register_payload(**overrides), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["fields"]
    assert counts() == before


@pytest.mark.parametrize(
    ("service_name", "extra_services"),
    [
        ("Bar", [{"name": "Cave", "service_type": "bar"}, {"name": "Cave", "service_type": "kitchen"}]),
        ("Bar", [{"name": "cave", "service_type": "bar"}, {"name": "CAVE", "service_type": "kitchen"}]),
        ("Bar", [{"name": "bar", "service_type": "kitchen"}]),
        ("Bar", [{"name": "  BAR  ", "service_type": "kitchen"}]),
    ],
    ids=["same-extra-twice", "extra-case-insensitive", "extra-repeats-main", "extra-repeats-main-padded"],
)
def test_register_duplicate_service_names_creates_nothing(api_client, workspace, service_name, extra_services):
    before = counts()

    response = api_client.post(
        REGISTER_URL,
        register_payload(service_name=service_name, extra_services=extra_services),
        format="json",
    )

    assert response.status_code == 400
    assert "extra_services" in response.json()["fields"]
    assert counts() == before
    assert not User.objects.filter(username="newowner").exists()
    assert not User.objects.filter(email__iexact="newowner@example.test").exists()
    assert not Tenant.objects.filter(name="Le Nouveau Bistrot").exists()


def test_register_ignores_privileged_fields_in_the_body(api_client, workspace, other_workspace):
    target = other_workspace.tenant
    payload = register_payload(
        role=Role.OPERATOR,
        tenant=target.pk,
        tenant_id=target.pk,
        plan="ENTERPRISE",
        is_staff=True,
        is_superuser=True,
        is_active=False,
        status="disabled",
    )

    response = api_client.post(REGISTER_URL, payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tenant"]["role"] == Role.OWNER
    assert body["tenant"]["id"] != target.pk
    assert body["tenant"].get("plan") != "ENTERPRISE"
    assert "is_staff" not in body["user"]
    assert "is_superuser" not in body["user"]

    user = User.objects.get(username="newowner")
    assert user.is_staff is False
    assert user.is_superuser is False
    assert user.is_active is True
    tenant = Tenant.objects.get(pk=body["tenant"]["id"])
    assert getattr(tenant, "plan", None) != "ENTERPRISE"
    with scopes_disabled():
        [membership] = Membership.objects.filter(user=user)
        assert membership.tenant_id == tenant.pk
        assert membership.role == Role.OWNER
        assert membership.status == "active"
        # The other tenant gained no member.
        assert not Membership.objects.filter(tenant=target, user=user).exists()
        assert Membership.objects.filter(tenant=target).count() == len(other_workspace.members)


@pytest.mark.parametrize("username", ["chef.bistro", "chef+bar", "chef-bar_2", "chef@bistro", "chef@bistro.test"])
def test_a_registered_username_can_log_in(api_client, db, username):
    """Whatever username registration accepts must work on the login form: a username the
    login cannot find (for example one that looks like an email address) is refused at
    registration instead."""
    response = api_client.post(REGISTER_URL, register_payload(username=username), format="json")
    assert response.status_code in (201, 400), response.json()
    if response.status_code == 400:
        assert "username" in response.json()["fields"]
        return

    login = api_client.post("/api/auth/login/", {"username": username, "password": STRONG_PASSWORD}, format="json")

    assert login.status_code == 200, login.json()
    assert login.json()["user"]["username"] == username


def test_a_username_equal_to_another_users_email_cannot_hijack_its_login(api_client, db):
    alice = UserFactory(username="alice", email="alice@example.test")

    response = api_client.post(REGISTER_URL, register_payload(username="alice@example.test"), format="json")
    assert response.status_code in (201, 400)

    # Alice still logs in with her email address, and only with her password.
    login = api_client.post("/api/auth/login/", {"username": "alice@example.test", "password": PASSWORD}, format="json")
    assert login.status_code == 200
    assert login.json()["user"]["id"] == alice.pk
    if response.status_code == 400:
        assert "username" in response.json()["fields"]
    else:
        newcomer = api_client.post(
            "/api/auth/login/", {"username": "alice@example.test", "password": STRONG_PASSWORD}, format="json"
        )
        assert newcomer.status_code == 200
        assert newcomer.json()["user"]["username"] == "alice@example.test"
