"""Who sees whom: a manager limited to one service sees that service's members and the
owners — not the other services' staff, their email addresses and last logins — in the
member list, a member's page and the members summary. Pending invitations likewise."""

import pytest

from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role
from tests.backend.orgs.invitations import SUMMARY_URL
from tests.conftest import client_for
from tests.factories import InvitationFactory, MembershipFactory
from tests.plans import set_plan

MEMBERS_URL = "/api/auth/memberships/"


@pytest.fixture
def bar_manager(workspace, other_workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    return MembershipFactory(tenant=workspace.tenant, role=Role.MANAGER, service=workspace.bar)


def _ids(rows) -> set[int]:
    return {row["id"] for row in rows}


def test_a_service_manager_lists_only_their_service_and_the_owners(workspace, bar_manager):
    client = client_for(bar_manager.user)

    listed = client.get(MEMBERS_URL)

    assert listed.status_code == 200, listed.content
    rows = listed.json()["results"] if isinstance(listed.json(), dict) else listed.json()
    expected = {workspace.members[Role.OWNER].pk, workspace.members["operator_bar"].pk, bar_manager.pk}
    assert _ids(rows) == expected
    emails = {row["user"]["email"] for row in rows}
    assert workspace.user(Role.OPERATOR).email not in emails
    assert workspace.user(Role.MANAGER).email not in emails


def test_a_service_manager_cannot_open_another_services_member(workspace, bar_manager):
    client = client_for(bar_manager.user)
    kitchen_operator = workspace.members[Role.OPERATOR]

    hidden = client.get(f"{MEMBERS_URL}{kitchen_operator.pk}/")
    unknown = client.get(f"{MEMBERS_URL}987654321/")

    assert hidden.status_code == 404
    assert hidden.json() == unknown.json()


def test_the_summary_of_a_service_manager_shows_their_service_only(workspace, bar_manager):
    owner = workspace.user(Role.OWNER)
    bar_invitation = InvitationFactory(tenant=workspace.tenant, service=workspace.bar, invited_by=owner)
    InvitationFactory(tenant=workspace.tenant, service=workspace.kitchen, invited_by=owner)

    summary = client_for(bar_manager.user).get(SUMMARY_URL).json()

    assert _ids(summary["members"]) == {
        workspace.members[Role.OWNER].pk,
        workspace.members["operator_bar"].pk,
        bar_manager.pk,
    }
    assert _ids(summary["invitations"]) == {bar_invitation.pk}


def test_a_manager_of_every_service_still_sees_everyone(workspace, bar_manager):
    rows = workspace.client(Role.MANAGER).get(MEMBERS_URL).json()
    rows = rows["results"] if isinstance(rows, dict) else rows

    assert _ids(rows) == {membership.pk for membership in workspace.members.values()} | {bar_manager.pk}
