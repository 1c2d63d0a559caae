"""GET /api/auth/memberships/: the tenant's members, never another tenant's."""

import pytest
from django_scopes import scopes_disabled

from stockscan.orgs.models import Membership, Role
from tests.conftest import client_for
from tests.factories import MembershipFactory

LIST_URL = "/api/auth/memberships/"


def detail_url(membership_id) -> str:
    return f"{LIST_URL}{membership_id}/"


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_list_shows_the_tenants_members_with_user_role_and_service(workspace, role):
    response = workspace.client(role).get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(workspace.members) == 4
    by_id = {row["id"]: row for row in body["results"]}
    assert set(by_id) == {m.pk for m in workspace.members.values()}
    for key, membership in workspace.members.items():
        row = by_id[membership.pk]
        user = membership.user
        assert row["user"]["id"] == user.pk
        assert row["user"]["username"] == user.username
        assert row["user"]["email"] == user.email
        assert {"first_name", "last_name"} <= set(row["user"])
        assert "password" not in row["user"]
        assert row["role"] == membership.role
        assert row["status"] == "active"
        if key == "operator_bar":
            assert row["service"] == workspace.bar.pk
            assert row["service_name"] == "Bar"
        else:
            assert row["service"] is None


def test_list_never_shows_other_tenants_members(workspace, other_workspace):
    foreign_users = {m.user.pk for m in other_workspace.members.values()}
    foreign_memberships = {m.pk for m in other_workspace.members.values()}

    body = workspace.client().get(LIST_URL).json()

    assert not {row["user"]["id"] for row in body["results"]} & foreign_users
    assert not {row["id"] for row in body["results"]} & foreign_memberships
    for membership in other_workspace.members.values():
        assert membership.user.email not in str(body)


def test_a_member_of_two_tenants_sees_the_members_of_the_chosen_one(workspace, other_workspace):
    user = workspace.user(Role.OWNER)
    MembershipFactory(tenant=other_workspace.tenant, user=user, role=Role.MANAGER)

    here = client_for(user).get(LIST_URL).json()
    there = client_for(user, tenant=other_workspace.tenant).get(LIST_URL).json()

    assert {row["id"] for row in here["results"]} == {m.pk for m in workspace.members.values()}
    with scopes_disabled():
        other_ids = set(Membership.objects.filter(tenant=other_workspace.tenant).values_list("id", flat=True))
    assert {row["id"] for row in there["results"]} == other_ids
    assert user.pk in {row["user"]["id"] for row in there["results"]}


def test_retrieve_own_tenants_member(workspace):
    membership = workspace.members["operator_bar"]

    response = workspace.client(Role.MANAGER).get(detail_url(membership.pk))

    assert response.status_code == 200
    assert response.json()["user"]["id"] == membership.user.pk
    assert response.json()["service"] == workspace.bar.pk


def test_another_tenants_member_answers_like_a_missing_one(workspace, other_workspace):
    foreign = other_workspace.members[Role.OWNER]
    client = workspace.client(Role.OWNER)

    response = client.get(detail_url(foreign.pk))
    missing = client.get(detail_url(10_000_000))

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize("member", [Role.OPERATOR, "operator_bar"])
def test_operator_may_not_list_members(workspace, member):
    client = workspace.client(member)

    listed = client.get(LIST_URL)
    single = client.get(detail_url(workspace.members[Role.OWNER].pk))

    assert listed.status_code == 403
    assert listed.json()["code"] == "PERMISSION_DENIED"
    assert isinstance(listed.json()["detail"], str)
    assert single.status_code == 403
    assert "results" not in listed.json()


def test_operator_here_and_manager_elsewhere_is_judged_by_the_chosen_tenant(workspace, other_workspace):
    user = workspace.user(Role.OPERATOR)
    MembershipFactory(tenant=other_workspace.tenant, user=user, role=Role.MANAGER)

    assert client_for(user, tenant=workspace.tenant).get(LIST_URL).status_code == 403
    assert client_for(user, tenant=other_workspace.tenant).get(LIST_URL).status_code == 200


def test_memberships_need_authentication_and_a_membership(api_client, outsider, workspace):
    assert api_client.get(LIST_URL).status_code == 401

    response = client_for(outsider).get(LIST_URL)

    assert response.status_code == 403
    assert response.json()["code"] == "NO_TENANT_MEMBERSHIP"


@pytest.mark.parametrize("url", ["/api/auth/memberships/", "/api/auth/memberships"])
def test_list_with_and_without_trailing_slash(workspace, url):
    response = workspace.client().get(url)

    assert response.status_code == 200
    assert response.json()["count"] == 4
