"""Invitations and members under concurrent requests on PostgreSQL (real threads, each with its
own connection and transaction): one link makes one member, seats never overflow, an address
is invited once, and a business always keeps an owner."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction  # noqa: F401 (connection: read by the skipif condition)
from django_scopes import scope, scopes_disabled

from stockscan.entitlements.errors import LimitExceeded
from stockscan.entitlements.models import TenantPlanOverride
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.errors import (
    AlreadyMember,
    InvitationInvalid,
    InvitationLoginRequired,
    InvitationRateLimited,
    InviteAlreadySent,
    LastOwner,
)
from stockscan.orgs.models import Invitation, InvitationStatus, Membership, Role, Tenant
from stockscan.orgs.services.invitations import invitation_accept, invitation_create, open_invitation
from stockscan.orgs.services.organisation import membership_update
from tests.backend.entitlements.test_concurrency import run_concurrently
from tests.conftest import Workspace, make_workspace
from tests.factories import InvitationFactory, MembershipFactory, UserFactory, invitation_with_token
from tests.plans import set_plan

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="row locks and concurrent transactions need PostgreSQL"
    ),
]

User = get_user_model()
PASSWORD = "Poireau-Vinaigrette-84"


def test_twenty_concurrent_accepts_of_one_invitation_make_one_member():
    workspace = make_workspace("One link")
    other = make_workspace("Other tenant")
    invitation, token = invitation_with_token(
        tenant=workspace.tenant, email="recrue@example.test", role=Role.OPERATOR, service=workspace.kitchen
    )
    users_before = User.objects.count()

    def accept(index):
        found = open_invitation(token)
        account = {"username": f"recrue{index}", "password": PASSWORD}
        return invitation_accept(invitation=found, new_account=account, language="fr")

    results = run_concurrently(20, accept)

    members = [r for r in results if isinstance(r, Membership)]
    assert len(members) == 1, results
    # The others find the link spent, or (having read it just before) the account it made.
    refused = (InvitationInvalid, InvitationLoginRequired)
    assert all(isinstance(r, refused) for r in results if not isinstance(r, Membership)), results
    assert User.objects.count() == users_before + 1
    with scopes_disabled():
        joined = Membership.objects.filter(tenant=workspace.tenant, user__email="recrue@example.test")
        assert [(m.role, m.service_id) for m in joined] == [(Role.OPERATOR, workspace.kitchen.pk)]
        row = Invitation.objects.get(pk=invitation.pk)
        assert (row.status, row.accepted_by_id) == (InvitationStatus.ACCEPTED, members[0].user_id)
        assert Membership.objects.filter(tenant=other.tenant).count() == 4


def test_concurrent_accepts_by_the_invited_account_make_one_membership():
    workspace = make_workspace("Existing account")
    person = UserFactory(email="deja.inscrite@example.test")
    _, token = invitation_with_token(tenant=workspace.tenant, email=person.email, role=Role.MANAGER)

    def accept(_):
        return invitation_accept(invitation=open_invitation(token), user=User.objects.get(pk=person.pk))

    results = run_concurrently(10, accept)

    assert len([r for r in results if isinstance(r, Membership)]) == 1, results
    assert all(isinstance(r, Membership | InvitationInvalid | AlreadyMember) for r in results), results
    with scopes_disabled():
        assert Membership.objects.filter(user=person).count() == 1


def _invite_as_owner(workspace, email):
    tenant = Tenant.objects.get(pk=workspace.tenant.pk)  # one per request, like a view
    owner = User.objects.get(pk=workspace.user(Role.OWNER).pk)
    with scope(tenant=tenant.pk), transaction.atomic():
        invitation, _ = invitation_create(tenant=tenant, actor=owner, email=email, role=Role.OPERATOR)
    return invitation


def test_concurrent_invitations_never_pass_the_seat_limit(settings):
    settings.INVITATIONS_SEND_EMAILS = False
    owner = MembershipFactory(role=Role.OWNER)
    workspace = Workspace(tenant=owner.tenant, kitchen=None, bar=None, members={Role.OWNER: owner})
    other = make_workspace("Other tenant")
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=workspace.tenant, limits={"max_users": 5})

    results = run_concurrently(12, lambda index: _invite_as_owner(workspace, f"seat{index}@example.test"))

    created = [r for r in results if isinstance(r, Invitation)]
    refused = [r for r in results if isinstance(r, LimitExceeded)]
    assert (len(created), len(refused)) == (4, 8), results  # 1 member + 4 invitations = 5 seats
    with scopes_disabled():
        assert Invitation.objects.filter(tenant=workspace.tenant, status=InvitationStatus.PENDING).count() == 4
        assert not Invitation.objects.filter(tenant=other.tenant).exists()


def test_concurrent_invitations_never_pass_the_hourly_invitation_limit(settings):
    """8 invitations at once against an allowance of 3 (5 an hour, 2 already sent and
    revoked): exactly 3 are created, the others are refused, from the rows alone."""
    settings.INVITATIONS_SEND_EMAILS = False
    settings.INVITATIONS_PER_TENANT_PER_HOUR = 5
    owner = MembershipFactory(role=Role.OWNER)
    workspace = Workspace(tenant=owner.tenant, kitchen=None, bar=None, members={Role.OWNER: owner})
    other = make_workspace("Other tenant")
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=workspace.tenant, limits={"max_users": 50})
    for index in range(2):
        InvitationFactory(tenant=workspace.tenant, email=f"sent{index}@example.test", status=InvitationStatus.REVOKED)

    results = run_concurrently(8, lambda index: _invite_as_owner(workspace, f"rush{index}@example.test"))

    created = [r for r in results if isinstance(r, Invitation)]
    refused = [r for r in results if isinstance(r, InvitationRateLimited)]
    assert (len(created), len(refused)) == (3, 5), results
    with scopes_disabled():
        assert Invitation.objects.filter(tenant=workspace.tenant).count() == 5
        assert not Invitation.objects.filter(tenant=other.tenant).exists()


def test_concurrent_invitations_of_one_address_from_several_businesses_never_pass_its_limit(settings):
    """One address invited at once by 8 businesses, 3 a day allowed: exactly 3 get through."""
    settings.INVITATIONS_SEND_EMAILS = False
    settings.INVITATIONS_PER_ADDRESS_PER_DAY = 3
    workspaces = [make_workspace(f"Business {index}") for index in range(8)]
    for workspace in workspaces:
        set_plan(workspace.tenant, PlanCode.PRO)

    results = run_concurrently(8, lambda index: _invite_as_owner(workspaces[index], "Target@Victim.example"))

    created = [r for r in results if isinstance(r, Invitation)]
    refused = [r for r in results if isinstance(r, InvitationRateLimited)]
    assert (len(created), len(refused)) == (3, 5), results
    with scopes_disabled():
        assert Invitation.objects.filter(email__iexact="target@victim.example").count() == 3


def test_concurrent_invitations_of_one_address_make_one_invitation(settings):
    settings.INVITATIONS_SEND_EMAILS = False
    workspace = make_workspace("Same address")
    set_plan(workspace.tenant, PlanCode.PRO)

    results = run_concurrently(10, lambda index: _invite_as_owner(workspace, "Meme.Adresse@example.test"))

    assert len([r for r in results if isinstance(r, Invitation)]) == 1, results
    assert all(isinstance(r, Invitation | InviteAlreadySent) for r in results), results
    with scopes_disabled():
        assert Invitation.objects.filter(tenant=workspace.tenant).count() == 1


def test_owners_demoting_each_other_at_once_leave_one_owner():
    workspace = make_workspace("Four owners")
    owners = [workspace.members[Role.OWNER]] + [
        MembershipFactory(tenant=workspace.tenant, role=Role.OWNER) for _ in range(3)
    ]

    def demote(index):
        with scope(tenant=workspace.tenant.pk):
            membership = Membership.objects.get(pk=owners[index].pk)
            return membership_update(membership=membership, actor=None, role=Role.MANAGER)

    results = run_concurrently(len(owners), demote)

    assert len([r for r in results if isinstance(r, LastOwner)]) == 1, results
    with scopes_disabled():
        assert Membership.objects.filter(tenant=workspace.tenant, role=Role.OWNER).count() == 1
