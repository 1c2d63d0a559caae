"""GET/PATCH /api/auth/me/: who I am, where I am a member, and what I may change about myself."""

import pytest
from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from stockscan.orgs.models import Membership, Role
from tests.conftest import client_for
from tests.factories import PASSWORD, MembershipFactory, UserFactory

User = get_user_model()
ME_URL = "/api/auth/me/"


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.OPERATOR])
def test_me_shape(workspace, role):
    user = workspace.user(role)

    response = workspace.client(role).get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "memberships", "tenant", "role", "service"}
    assert body["user"]["id"] == user.pk
    assert body["user"]["username"] == user.username
    assert body["user"]["email"] == user.email
    assert {"first_name", "last_name", "language"} <= set(body["user"])
    assert "password" not in body["user"]
    assert "is_staff" not in body["user"]
    assert body["tenant"]["id"] == workspace.tenant.pk
    assert body["tenant"]["name"] == workspace.tenant.name
    assert body["tenant"]["role"] == role
    assert body["role"] == role
    assert body["service"] is None
    assert [(m["tenant"]["id"], m["role"], m["service"]) for m in body["memberships"]] == [
        (workspace.tenant.pk, role, None)
    ]


def test_me_of_an_operator_limited_to_one_service(workspace):
    response = workspace.client("operator_bar").get(ME_URL)

    assert response.status_code == 200
    assert response.json()["role"] == Role.OPERATOR
    assert response.json()["service"] == workspace.bar.pk
    assert response.json()["memberships"][0]["service"] == workspace.bar.pk


def test_me_without_membership(outsider):
    response = client_for(outsider).get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["memberships"] == []
    assert body["tenant"] is None
    assert body["role"] is None
    assert body["service"] is None


@pytest.fixture
def member_of_both(workspace, other_workspace):
    """The workspace's manager is also an operator of the other tenant, on its bar."""
    user = workspace.user(Role.MANAGER)
    MembershipFactory(tenant=other_workspace.tenant, user=user, role=Role.OPERATOR, service=other_workspace.bar)
    return user


def test_me_lists_every_membership_and_defaults_to_the_first(workspace, other_workspace, member_of_both):
    body = client_for(member_of_both).get(ME_URL).json()

    assert [(m["tenant"]["id"], m["role"], m["service"]) for m in body["memberships"]] == [
        (workspace.tenant.pk, Role.MANAGER, None),
        (other_workspace.tenant.pk, Role.OPERATOR, other_workspace.bar.pk),
    ]
    assert body["tenant"]["id"] == workspace.tenant.pk
    assert body["role"] == Role.MANAGER


@pytest.mark.parametrize(
    ("which", "role", "service"),
    [("workspace", Role.MANAGER, None), ("other_workspace", Role.OPERATOR, "bar")],
)
def test_me_x_tenant_id_picks_the_tenant(request, member_of_both, which, role, service):
    chosen = request.getfixturevalue(which)

    response = client_for(member_of_both, tenant=chosen.tenant).get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["tenant"]["id"] == chosen.tenant.pk
    assert body["tenant"]["name"] == chosen.tenant.name
    assert body["tenant"]["role"] == role
    assert body["role"] == role
    assert body["service"] == (getattr(chosen, service).pk if service else None)
    assert len(body["memberships"]) == 2


@pytest.mark.parametrize("header", ["foreign", "abc", "0", "-3"])
def test_me_with_a_tenant_id_not_its_own_answers_404_like_every_tenant_route(workspace, other_workspace, header):
    """`/me/` resolves the tenant with the one resolver: another tenant, or an id that is no
    id, is a 404 there as on every route — never a 200 with the tenant left out."""
    client = workspace.client(Role.OWNER)
    value = str(other_workspace.tenant.pk) if header == "foreign" else header

    response = client.get(ME_URL, HTTP_X_TENANT_ID=value)
    patched = client.patch(ME_URL, {"first_name": "Intrus"}, format="json", HTTP_X_TENANT_ID=value)

    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
    assert other_workspace.tenant.name not in response.content.decode()
    assert patched.status_code == 404
    workspace.user(Role.OWNER).refresh_from_db()
    assert workspace.user(Role.OWNER).first_name != "Intrus"


def test_me_ignores_disabled_memberships(workspace, other_workspace, member_of_both):
    with scopes_disabled():
        Membership.objects.filter(tenant=other_workspace.tenant, user=member_of_both).update(status="disabled")

    client = client_for(member_of_both)
    body = client.get(ME_URL).json()

    assert [m["tenant"]["id"] for m in body["memberships"]] == [workspace.tenant.pk]
    assert body["tenant"]["id"] == workspace.tenant.pk
    assert client_for(member_of_both, tenant=other_workspace.tenant).get(ME_URL).status_code == 404


def test_me_without_any_membership_still_reads_the_profile(db):
    user = UserFactory()

    body = client_for(user).get(ME_URL).json()

    assert body["user"]["username"] == user.username
    assert (body["tenant"], body["role"], body["memberships"]) == (None, None, [])


def test_me_patch_profile(workspace):
    user = workspace.user(Role.OPERATOR)
    changes = {"first_name": "Lucie", "last_name": "Martin", "language": "en"}

    response = workspace.client(Role.OPERATOR).patch(ME_URL, changes, format="json")

    assert response.status_code == 200, response.json()
    assert {key: response.json()["user"][key] for key in changes} == changes
    assert response.json()["role"] == Role.OPERATOR
    assert response.json()["pending_email"] is None
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.language) == ("Lucie", "Martin", "en")


def test_me_patch_only_touches_the_fields_sent(workspace):
    user = workspace.user(Role.OWNER)
    user.first_name, user.last_name = "Ana", "Silva"
    user.save()

    response = workspace.client(Role.OWNER).patch(ME_URL, {"last_name": "Souza"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("Ana", "Souza", f"{user.username}@example.test")


def test_me_patch_ignores_privileged_fields(workspace, other_workspace):
    user = workspace.user(Role.OPERATOR)
    before = User.objects.values("username", "password", "is_staff", "is_superuser", "is_active").get(pk=user.pk)

    response = workspace.client(Role.OPERATOR).patch(
        ME_URL,
        {
            "first_name": "Lucie",
            "role": Role.OWNER,
            "tenant": other_workspace.tenant.pk,
            "tenant_id": other_workspace.tenant.pk,
            "service": workspace.bar.pk,
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "username": "hijacked",
            "password": "Hijacked-Password-1",
            "id": 1,
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["role"] == Role.OPERATOR
    assert body["tenant"]["id"] == workspace.tenant.pk
    assert body["user"]["username"] == before["username"]
    assert body["user"]["id"] == user.pk
    after = User.objects.values("username", "password", "is_staff", "is_superuser", "is_active").get(pk=user.pk)
    assert after == before
    user.refresh_from_db()
    assert user.first_name == "Lucie"
    assert user.check_password(PASSWORD)
    with scopes_disabled():
        memberships = list(Membership.objects.filter(user=user).values_list("tenant_id", "role", "service_id"))
    assert memberships == [(workspace.tenant.pk, Role.OPERATOR, None)]


@pytest.mark.parametrize("spelling", ["taken@bistro.test", "TAKEN@Bistro.test"])
def test_me_patch_email_of_another_user_is_400(workspace, other_workspace, spelling):
    someone = other_workspace.user(Role.OWNER)
    someone.email = "taken@bistro.test"
    someone.save()
    user = workspace.user(Role.MANAGER)
    original = user.email

    response = workspace.client(Role.MANAGER).patch(ME_URL, {"email": spelling, "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "email" in response.json()["fields"]
    user.refresh_from_db()
    assert user.email == original


def test_me_patch_own_email_in_another_case_is_allowed(workspace):
    user = workspace.user(Role.MANAGER)

    response = workspace.client(Role.MANAGER).patch(
        ME_URL, {"email": user.email.upper(), "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"email": "not-an-email"}, "email"), ({"language": "de"}, "language"), ({"first_name": "x" * 151}, "first_name")],
)
def test_me_patch_invalid_values_are_400(workspace, payload, field):
    response = workspace.client(Role.OWNER).patch(ME_URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_me_needs_authentication(api_client, db):
    assert api_client.get(ME_URL).status_code == 401
    assert api_client.patch(ME_URL, {"first_name": "x"}, format="json").status_code == 401
