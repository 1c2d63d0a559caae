"""POST /api/auth/memberships/ (invite), resend and revoke, from the owner's side: seats,
conflicts, the outbox, and a raw token that exists only in the emailed link.

Tenant A is `workspace` (4 members); `other_workspace` (tenant B) has invitations of its own
that must never move.
"""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import PlanCode
from stockscan.mail.models import EmailStatus, OutboundEmail
from stockscan.orgs.models import Invitation, InvitationStatus, Role
from stockscan.orgs.selectors import token_digest
from stockscan.orgs.services.invitations import invitation_create
from tests.backend.core.responses import assert_error
from tests.backend.orgs.invitations import (
    ACCEPT_URL,
    SUMMARY_URL,
    accept_as_new_person,
    invitation_row,
    invite,
    last_token,
    token_of_link,
)
from tests.conftest import Workspace
from tests.factories import InvitationFactory, MembershipFactory, ServiceFactory, TenantFactory
from tests.plans import set_plan


@pytest.fixture(autouse=True)
def _room_for_members(workspace, other_workspace):
    set_plan(workspace.tenant, PlanCode.PRO)  # 10 users; the workspace has 4 members
    set_plan(other_workspace.tenant, PlanCode.PRO)
    InvitationFactory(tenant=other_workspace.tenant, email="ailleurs@example.test")


@pytest.fixture
def owner(workspace):
    return workspace.client(Role.OWNER)


def other_tenants_invitations(other_workspace) -> list:
    with scopes_disabled():
        return list(Invitation.objects.filter(tenant=other_workspace.tenant).values())


def test_invite_creates_a_pending_invitation_and_queues_its_email(
    workspace, other_workspace, owner, django_capture_on_commit_callbacks
):
    before = other_tenants_invitations(other_workspace)

    response = invite(
        owner, django_capture_on_commit_callbacks, "Nouvelle.Recrue@Bistro.test", service=workspace.kitchen.pk
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "Nouvelle.Recrue@bistro.test"
    assert (body["role"], body["service"], body["service_name"]) == ("operator", workspace.kitchen.pk, "Cuisine")
    assert body["status"] == "pending"
    assert body["email_status"] == "queued"  # sent by the task once the request's transaction commits
    assert body["link"] is None, "the raw token is shown only in the emailed link"
    assert body["invited_by"]["id"] == workspace.user(Role.OWNER).pk
    invitation = invitation_row(body["id"])
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    [message] = mail.outbox
    assert message.to == ["Nouvelle.Recrue@bistro.test"]
    assert "Le Comptoir" not in message.subject, "the subject carries no text a business wrote"
    assert invitation.token_hash == token_digest(last_token())
    email = OutboundEmail.objects.with_scopes_disabled().get(pk=invitation.email_message_id)
    assert (email.status, email.tenant_id, email.template) == (EmailStatus.SENT, workspace.tenant.pk, "orgs/invitation")
    assert other_tenants_invitations(other_workspace) == before


def test_invitation_email_names_the_business_inviter_role_and_service(
    workspace, owner, django_capture_on_commit_callbacks
):
    inviter = workspace.user(Role.OWNER)
    inviter.first_name, inviter.last_name = "Awa", "Diallo"
    inviter.save()
    workspace.tenant.name = "Le <Comptoir> & Fils"
    workspace.tenant.locale = "en"
    workspace.tenant.save()

    invite(owner, django_capture_on_commit_callbacks, "barman@example.test", service=workspace.bar.pk)

    [message] = mail.outbox
    assert message.subject == "You are invited to join a team on StockScan"
    assert "You are invited to join a business's team on StockScan as Operator." in message.body
    # What the business wrote is quoted, attributed, below the link.
    assert 'Business: "Le <Comptoir> & Fils"' in message.body
    assert 'Sent by: "Awa Diallo"' in message.body
    assert 'Service: "Bar"' in message.body
    [(html, _)] = message.alternatives
    assert "Le &lt;Comptoir&gt; &amp; Fils" in html
    assert "<Comptoir>" not in html


@pytest.mark.parametrize("emails_on", [True, False], ids=["emailed", "emails-off"])
def test_the_raw_token_is_in_no_database_column(
    workspace, owner, settings, emails_on, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_SEND_EMAILS = emails_on
    response = invite(owner, django_capture_on_commit_callbacks, "secret.keeper@example.test")
    raw_token = last_token() if emails_on else token_of_link(response.json()["link"])
    assert len(raw_token) >= 43  # 32 random bytes, base64: 256 bits

    with scopes_disabled():
        for model in apps.get_models():
            for row in model._base_manager.values():
                leaked = [name for name, value in row.items() if raw_token in str(value)]
                assert not leaked, f"{model._meta.label}.{leaked} holds the raw token"


def test_with_invitation_emails_off_the_owner_gets_the_link(
    workspace, owner, settings, caplog, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_SEND_EMAILS = False

    with caplog.at_level(logging.WARNING, logger="stockscan.orgs"):
        response = invite(owner, django_capture_on_commit_callbacks, "sans.email@bistro.test")

    assert response.status_code == 201
    body = response.json()
    assert body["email_status"] == "not_sent"
    assert body["link"].startswith(f"{settings.FRONTEND_URL}/invitations/accept?token=")
    assert mail.outbox == []
    assert not OutboundEmail.objects.with_scopes_disabled().exists()
    assert "INVITATIONS_SEND_EMAILS=false" in caplog.text
    assert "sans.email@bistro.test" not in caplog.text
    assert "s***@bistro.test" in caplog.text
    # The link works like an emailed one.
    accepted = accept_as_new_person(APIClient(), token_of_link(body["link"]))
    assert accepted.status_code == 200, accepted.content


@pytest.mark.parametrize("email", ["{member}", "{member_upper}"])
def test_inviting_a_member_is_a_conflict(workspace, owner, email, django_capture_on_commit_callbacks):
    member_email = workspace.user("operator_bar").email
    address = email.format(member=member_email, member_upper=member_email.upper())

    response = invite(owner, django_capture_on_commit_callbacks, address)

    assert_error(response, 409, "ALREADY_MEMBER")
    assert mail.outbox == []
    with scopes_disabled():
        assert not Invitation.objects.filter(tenant=workspace.tenant).exists()


def test_a_member_of_another_business_can_be_invited(
    workspace, other_workspace, owner, django_capture_on_commit_callbacks
):
    response = invite(owner, django_capture_on_commit_callbacks, other_workspace.user(Role.MANAGER).email)

    assert response.status_code == 201


def test_inviting_the_same_address_twice_is_a_conflict(
    workspace, other_workspace, owner, django_capture_on_commit_callbacks
):
    first = invite(owner, django_capture_on_commit_callbacks, "deux.fois@example.test")

    again = invite(owner, django_capture_on_commit_callbacks, "DEUX.FOIS@example.test", role="manager")

    body = assert_error(again, 409, "INVITE_ALREADY_SENT")
    assert body["invitation"] == first.json()["id"]
    assert len(mail.outbox) == 1
    # Another business may invite the same address.
    other = invite(other_workspace.client(Role.OWNER), django_capture_on_commit_callbacks, "deux.fois@example.test")
    assert other.status_code == 201


def test_an_expired_invitation_does_not_block_a_new_one(workspace, owner, django_capture_on_commit_callbacks):
    old = InvitationFactory(tenant=workspace.tenant, email="retard@example.test", expires_at=timezone.now())

    response = invite(owner, django_capture_on_commit_callbacks, "retard@example.test")

    assert response.status_code == 201
    assert invitation_row(old.pk).status == InvitationStatus.EXPIRED


def test_an_owner_is_invited_for_every_service(workspace, owner, django_capture_on_commit_callbacks):
    refused = invite(
        owner, django_capture_on_commit_callbacks, "co.gerant@example.test", role="owner", service=workspace.bar.pk
    )
    accepted = invite(owner, django_capture_on_commit_callbacks, "co.gerant@example.test", role="owner")

    error = assert_error(refused, 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {"service"}
    assert accepted.status_code == 201
    assert accepted.json()["service"] is None


def test_the_service_refuses_an_owner_invited_for_one_service_whoever_calls_it(workspace):
    with scope(tenant=workspace.tenant.pk), pytest.raises(ValidationError) as refused:
        invitation_create(
            tenant=workspace.tenant,
            actor=workspace.user(Role.OWNER),
            email="co.gerant@example.test",
            role=Role.OWNER,
            service=workspace.bar,
        )

    assert set(refused.value.detail) == {"service"}
    with scopes_disabled():
        assert not Invitation.objects.filter(email="co.gerant@example.test").exists()


def test_another_tenants_service_cannot_be_named(workspace, other_workspace, owner, django_capture_on_commit_callbacks):
    response = invite(owner, django_capture_on_commit_callbacks, "x@example.test", service=other_workspace.kitchen.pk)

    error = assert_error(response, 404, "NOT_FOUND")
    assert set(error["fields"]) == {"service"}


@pytest.fixture
def small_business(db) -> Workspace:
    """BOUTIQUE (3 users) with its owner only."""
    tenant = TenantFactory(name="La Petite Boutique")
    service = ServiceFactory(tenant=tenant, name="Boutique", service_type="retail_general")
    owner = MembershipFactory(tenant=tenant, role=Role.OWNER)
    set_plan(tenant, PlanCode.BOUTIQUE)
    return Workspace(tenant=tenant, kitchen=service, bar=service, members={Role.OWNER: owner})


def test_pending_invitations_take_seats(small_business, django_capture_on_commit_callbacks):
    owner = small_business.client(Role.OWNER)
    assert invite(owner, django_capture_on_commit_callbacks, "un@example.test").status_code == 201
    assert invite(owner, django_capture_on_commit_callbacks, "deux@example.test").status_code == 201

    refused = invite(owner, django_capture_on_commit_callbacks, "trois@example.test")

    error = assert_error(refused, 403, "LIMIT_MAX_USERS")
    assert (error["limit"], error["used"]) == (3, 3)
    assert len(mail.outbox) == 2
    entitlements = owner.get("/api/auth/me/org/entitlements").json()
    assert entitlements["usage"]["users"] == 3
    seats = owner.get(SUMMARY_URL).json()["seats"]
    assert seats == {"used": 3, "allowed": 3}


def test_a_revoked_or_expired_invitation_gives_its_seat_back(small_business, django_capture_on_commit_callbacks):
    owner = small_business.client(Role.OWNER)
    first = invite(owner, django_capture_on_commit_callbacks, "un@example.test").json()
    invite(owner, django_capture_on_commit_callbacks, "deux@example.test")
    assert owner.delete(f"/api/auth/invitations/{first['id']}/").status_code == 204

    assert invite(owner, django_capture_on_commit_callbacks, "trois@example.test").status_code == 201
    assert_error(invite(owner, django_capture_on_commit_callbacks, "quatre@example.test"), 403, "LIMIT_MAX_USERS")

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        owner = small_business.client(Role.OWNER)  # a week later: a fresh login
        assert invite(owner, django_capture_on_commit_callbacks, "quatre@example.test").status_code == 201
        assert owner.get(SUMMARY_URL).json()["seats"] == {"used": 2, "allowed": 3}


def test_resend_waits_ten_minutes_then_sends_a_new_link(
    workspace, other_workspace, owner, django_capture_on_commit_callbacks
):
    before = other_tenants_invitations(other_workspace)
    created = invite(owner, django_capture_on_commit_callbacks, "relance@example.test").json()
    first_token = last_token()
    first_email = invitation_row(created["id"]).email_message_id
    url = f"/api/auth/invitations/{created['id']}/resend/"

    with django_capture_on_commit_callbacks(execute=True):
        too_soon = owner.post(url)
    error = assert_error(too_soon, 429, "THROTTLED")
    assert 0 < error["retry_after"] <= 600
    assert int(too_soon["Retry-After"]) == error["retry_after"]
    assert len(mail.outbox) == 1

    later = timezone.now() + timedelta(minutes=11)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        resent = owner.post(url)
    assert resent.status_code == 200, resent.content
    assert resent.json()["send_count"] == 2
    assert len(mail.outbox) == 2
    second_token = last_token()
    assert second_token != first_token
    invitation = invitation_row(created["id"])
    assert invitation.expires_at > later + timedelta(days=6)
    assert invitation.email_message_id not in (None, first_email), "the new email is the one tracked"
    # The first link died with its token; the new one works.
    assert_error(APIClient().get(ACCEPT_URL, {"token": first_token}), 410, "INVITATION_INVALID")
    assert APIClient().get(ACCEPT_URL, {"token": second_token}).status_code == 200
    assert other_tenants_invitations(other_workspace) == before


def test_resend_of_an_invitation_that_is_no_longer_pending_is_a_conflict(
    workspace, owner, django_capture_on_commit_callbacks
):
    answered = InvitationFactory(tenant=workspace.tenant, status=InvitationStatus.DECLINED)
    expired = InvitationFactory(tenant=workspace.tenant, expires_at=timezone.now() - timedelta(days=1))

    for invitation in (answered, expired):
        with django_capture_on_commit_callbacks(execute=True):
            response = owner.post(f"/api/auth/invitations/{invitation.pk}/resend/")
        assert_error(response, 409, "INVITATION_NOT_PENDING")
    assert mail.outbox == []


def test_revoked_invitation_link_stops_working(workspace, owner, django_capture_on_commit_callbacks):
    created = invite(owner, django_capture_on_commit_callbacks, "revoque@example.test").json()
    token = last_token()

    response = owner.delete(f"/api/auth/invitations/{created['id']}/")
    again = owner.delete(f"/api/auth/invitations/{created['id']}/")

    assert response.status_code == 204
    assert_error(again, 409, "INVITATION_NOT_PENDING")
    assert invitation_row(created["id"]).status == InvitationStatus.REVOKED
    assert_error(APIClient().get(ACCEPT_URL, {"token": token}), 410, "INVITATION_INVALID")
    assert_error(accept_as_new_person(APIClient(), token), 410, "INVITATION_INVALID")


def test_retrieve_shows_the_invitation_and_its_email_status(workspace, owner, django_capture_on_commit_callbacks):
    created = invite(owner, django_capture_on_commit_callbacks, "statut@example.test").json()

    body = workspace.client(Role.MANAGER).get(f"/api/auth/invitations/{created['id']}/").json()

    assert (body["email"], body["status"], body["email_status"]) == ("statut@example.test", "pending", "sent")
    assert "token_hash" not in body


def test_every_change_writes_an_audit_row(workspace, other_workspace, owner, django_capture_on_commit_callbacks):
    created = invite(owner, django_capture_on_commit_callbacks, "audit@example.test").json()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)), django_capture_on_commit_callbacks(execute=True):
        owner.post(f"/api/auth/invitations/{created['id']}/resend/")
    owner.delete(f"/api/auth/invitations/{created['id']}/")

    entries = AuditEntry.objects.with_scopes_disabled().filter(
        target_type="orgs.invitation", target_id=str(created["id"])
    )
    assert sorted(entries.values_list("action", flat=True)) == [
        "invitation.created",
        "invitation.resent",
        "invitation.revoked",
    ]
    assert {entry.actor_id for entry in entries} == {workspace.user(Role.OWNER).pk}
    assert {entry.tenant_id for entry in entries} == {workspace.tenant.pk}
    assert (
        not AuditEntry.objects.with_scopes_disabled()
        .filter(tenant=other_workspace.tenant, action__startswith="invitation.")
        .exists()
    )


def test_a_service_with_pending_invitations_cannot_be_deleted(workspace, owner, django_capture_on_commit_callbacks):
    """Deleting it would widen what the invitation grants (no service means every service)."""
    created = invite(owner, django_capture_on_commit_callbacks, "bar@example.test", service=workspace.bar.pk).json()
    # operator_bar is limited to the bar too: give them every service first.
    moved = owner.patch(
        f"/api/auth/memberships/{workspace.members['operator_bar'].pk}/", {"service": None}, format="json"
    )
    assert moved.status_code == 200, moved.content

    refused = owner.delete(f"/api/auth/services/{workspace.bar.pk}/")
    owner.delete(f"/api/auth/invitations/{created['id']}/")
    deleted = owner.delete(f"/api/auth/services/{workspace.bar.pk}/")

    assert_error(refused, 409, "SERVICE_HAS_INVITATIONS")
    assert deleted.status_code == 204, deleted.content
