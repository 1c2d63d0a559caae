"""`manage.py seed_demo`: a demo business to click through, safe to run twice, refused in
production unless asked for explicitly."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from stockscan.demo.services import ean13
from stockscan.inventory.models import CountLine, Product
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
def test_seed_demo_twice_makes_one_demo_tenant(workspace):
    tenants_before = Tenant.objects.count()
    with scopes_disabled():
        workspace_services = sorted(Service.objects.filter(tenant=workspace.tenant).values_list("pk", "name"))

    first = seed()
    tenant, _, _ = demo_state()
    with scopes_disabled():
        products_before = Product.objects.filter(tenant=tenant).count()
        lines_before = CountLine.objects.filter(tenant=tenant).count()
    owner = User.objects.get(username="demo-owner")
    owner.set_password("Someone-Changed-It-1")
    owner.save()
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
    # Both runs print the same logins, and the second one restored the changed password.
    assert logins(first) == logins(second)
    assert set(logins(first)) == {Role.OWNER, Role.MANAGER, Role.OPERATOR}
    assert User.objects.get(username="demo-owner").check_password(logins(second)[Role.OWNER][1])
    # The second run added no data; --reset starts the business again, whole.
    with scopes_disabled():
        assert Product.objects.filter(tenant=tenant).count() == products_before
        assert CountLine.objects.filter(tenant=tenant).count() == lines_before
        CountLine.objects.filter(tenant=tenant).first().delete()
    seed("--reset")
    new_tenant, _, new_memberships = demo_state()
    with scopes_disabled():
        assert Product.objects.filter(tenant=new_tenant).count() == products_before
        assert CountLine.objects.filter(tenant=new_tenant).count() == lines_before
    assert len(new_memberships) == 3


@override_settings(DEBUG=True)
def test_each_login_printed_works_by_username_and_by_email(db):
    output = seed()
    tenant, _services, _memberships = demo_state()
    emails = dict(re.findall(r"login: (\S+)\s+password: \S+\s+email: (\S+)", output))
    assert emails["demo-owner"] == "demo-owner@demo.stockscan.local"

    for role, (username, password) in logins(output).items():
        for field, identifier in (("username", username), ("email", emails[username])):
            response = APIClient().post("/api/auth/login/", {field: identifier, "password": password}, format="json")
            assert response.status_code == 200, (role, field, response.json())
            body = response.json()
            assert (body["user"]["username"], body["tenant"]["id"], body["tenant"]["role"]) == (
                username,
                tenant.pk,
                role,
            )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        services = client.get("/api/auth/services/")
        expected = ["Bar"] if role == Role.OPERATOR else ["Bar", "Cuisine"]
        assert [s["name"] for s in services.json()["results"]] == expected


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


def _get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


@override_settings(DEBUG=True)
def test_the_demo_is_a_restaurant_full_of_data(api_client, db):
    output = seed()
    tenant, _services, _ = demo_state()
    username, password = logins(output)[Role.OWNER]
    access = api_client.post("/api/auth/login/", {"username": username, "password": password}, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access.json()['access']}")
    today = tenant.today()
    current = today.strftime("%Y-%m")

    products = _get(client, "/api/products/", page_size=200)
    counts = _get(client, "/api/counts/", page_size=50)["results"]
    losses = _get(client, "/api/losses/", page_size=200)["results"]
    alerts = _get(client, "/api/alerts/", month=current, page_size=200)["results"]
    summary = _get(client, "/api/auth/members/summary/")

    assert 110 <= products["count"] <= 130
    assert sum(1 for product in products["results"] if product["barcode"]) >= 40  # the bar's bottles
    closed = sorted({count["month"] for count in counts if count["status"] == "closed"})
    assert len(closed) == 3
    assert all(month < current for month in closed)
    current_counts = [count for count in counts if count["month"] == current]
    assert [count["status"] for count in current_counts] == ["open", "open"]
    kitchen = next(
        service for service in _get(client, "/api/auth/services/")["results"] if service["name"] == "Cuisine"
    )
    kitchen_lines = _get(client, "/api/count-lines/", service=kitchen["id"], month=current, page_size=1000)
    kitchen_products = _get(client, "/api/products/", service=kitchen["id"], page_size=200)["count"]
    assert 0 < kitchen_lines["count"] < kitchen_products  # the current month is half counted
    assert {loss["reason"] for loss in losses} == {"breakage", "expired", "theft", "free", "mistake", "other"}
    kinds = {alert["kind"] for alert in alerts}
    assert {"low_stock"} <= kinds
    assert 3 <= len(alerts) <= 25  # a few alerts to look at, not a page of them
    assert [invitation["email"] for invitation in summary["invitations"]] == ["second.chef@demo.stockscan.local"]
    stats = _get(client, "/api/inventory-stats/", service="all", month=closed[-1])
    assert Decimal(stats["totals"]["stock_value"]) > 0


def test_demo_barcodes_are_valid_ean13():
    codes = [ean13(serial) for serial in (1, 42, 123456789)]

    assert all(len(code) == 13 and code.startswith("376") for code in codes)
    for code in codes:
        digits = [int(digit) for digit in code]
        assert sum(digit * (3 if index % 2 else 1) for index, digit in enumerate(digits)) % 10 == 0
