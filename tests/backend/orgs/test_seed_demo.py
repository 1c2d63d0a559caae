"""`manage.py seed_demo`: a demo business to click through, safe to run twice, refused in
production unless asked for explicitly."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from stockscan.orgs.models import Membership, Role, Service, Tenant

User = get_user_model()

LOGIN_LINE = re.compile(r"^\s*(?P<role>\w+)\s+login:\s+(?P<username>\S+)\s+password:\s+(?P<password>[^\s,]+)", re.M)


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def logins(output: str) -> dict[str, tuple[str, str]]:
    return {m["role"]: (m["username"], m["password"]) for m in LOGIN_LINE.finditer(output)}


def demo_state():
    with scopes_disabled():
        [tenant] = Tenant.objects.filter(slug="demo-bistrot")
        services = sorted(Service.objects.filter(tenant=tenant).values_list("name", "service_type"))
        memberships = sorted(
            Membership.objects.filter(tenant=tenant).values_list("user__username", "role", "service__name", "status")
        )
    return tenant, services, memberships


@override_settings(DEBUG=True)
def test_seed_demo_twice_makes_one_demo_tenant(workspace, other_workspace):
    tenants_before = Tenant.objects.count()
    with scopes_disabled():
        workspace_services = sorted(Service.objects.filter(tenant=workspace.tenant).values_list("pk", "name"))

    first = seed()
    second = seed()

    assert Tenant.objects.count() == tenants_before + 1
    _tenant, services, memberships = demo_state()
    assert services == [("Bar", "bar"), ("Cuisine", "kitchen")]
    assert memberships == [
        ("demo-manager", Role.MANAGER, None, "active"),
        ("demo-operator", Role.OPERATOR, "Bar", "active"),
        ("demo-owner", Role.OWNER, None, "active"),
    ]
    assert User.objects.filter(username__startswith="demo-").count() == 3
    # Other tenants are untouched.
    with scopes_disabled():
        assert sorted(Service.objects.filter(tenant=workspace.tenant).values_list("pk", "name")) == workspace_services
        assert not Membership.objects.filter(tenant=workspace.tenant, user__username__startswith="demo-").exists()
    # Both runs print the same logins.
    assert logins(first) == logins(second)
    assert set(logins(first)) == {Role.OWNER, Role.MANAGER, Role.OPERATOR}


@override_settings(DEBUG=True)
@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.OPERATOR])
def test_demo_logins_from_the_output_work(api_client, db, role):
    seed()
    output = seed()
    username, password = logins(output)[role]

    response = api_client.post("/api/auth/login/", {"username": username, "password": password}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    tenant, _services, _memberships = demo_state()
    assert body["user"]["username"] == username
    assert body["tenant"]["id"] == tenant.pk
    assert body["tenant"]["role"] == role

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    services = client.get("/api/auth/services/")
    assert services.status_code == 200
    expected = ["Bar"] if role == Role.OPERATOR else ["Bar", "Cuisine"]
    assert [s["name"] for s in services.json()["results"]] == expected


@override_settings(DEBUG=True)
def test_running_again_restores_a_changed_demo_password(api_client, db):
    seed()
    owner = User.objects.get(username="demo-owner")
    owner.set_password("Someone-Changed-It-1")
    owner.save()

    username, password = logins(seed())[Role.OWNER]

    response = api_client.post("/api/auth/login/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200


@override_settings(DEBUG=False)
def test_seed_demo_refuses_in_production(workspace):
    users_before = User.objects.count()

    with pytest.raises(CommandError, match="--allow-production"):
        seed()

    assert not Tenant.objects.filter(slug="demo-bistrot").exists()
    assert not User.objects.filter(username__startswith="demo-").exists()
    assert User.objects.count() == users_before


@override_settings(DEBUG=False)
def test_seed_demo_in_production_when_insisted(api_client, db):
    output = seed("--allow-production")

    tenant, services, memberships = demo_state()
    assert len(services) == 2
    assert len(memberships) == 3
    username, password = logins(output)[Role.OWNER]
    response = api_client.post("/api/auth/login/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200
    assert response.json()["tenant"]["id"] == tenant.pk
