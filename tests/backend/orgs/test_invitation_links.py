"""The invitation link, from the invited person's side: GET /api/auth/invitations/accept/
(preview), POST (accept), POST /api/auth/invitations/decline/.

A new person creates an account and is logged in; an existing account must be logged in with
the invited address; an invitation never changes an account's password or moves it; role and
service come from the invitation only; every dead token answers exactly like an unknown one.
Tenant B (`other_workspace`) is where existing accounts already belong.
"""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Invitation, InvitationStatus, Membership, Role
from tests.backend.core.responses import assert_error
from tests.backend.orgs.invitations import (
    ACCEPT_URL,
    DECLINE_URL,
    NEW_PASSWORD,
    accept_as_new_person,
    invitation_row,
    invite,
    last_token,
)
from tests.conftest import client_for
from tests.factories import UserFactory, invitation_with_token
from tests.plans import set_plan

User = get_user_model()


@pytest.fixture(autouse=True)
def _room_for_members(workspace, other_workspace):
    set_plan(workspace.tenant, PlanCode.PRO)


def memberships_of(user) -> dict[int, tuple[str, int | None]]:
    with scopes_disabled():
        return {m.tenant_id: (m.role, m.service_id) for m in Membership.objects.filter(user=user)}


@pytest.fixture
def emailed_token(workspace, django_capture_on_commit_callbacks):
    """An operator invitation limited to the kitchen, sent by email the way the owner does it."""
    response = invite(
        workspace.client(Role.OWNER),
        django_capture_on_commit_callbacks,
        "nouvelle.recrue@bistro.test",
        service=workspace.kitchen.pk,
    )
    assert response.status_code == 201, response.content
    return last_token()


def test_invite_then_accept_as_a_new_person(workspace, other_workspace, emailed_token):
    anonymous = APIClient()

    preview = anonymous.get(ACCEPT_URL, {"token": emailed_token})
    accepted = accept_as_new_person(anonymous, emailed_token, username="Nouvelle.Recrue")

    assert preview.status_code == 200, preview.content
    assert preview.json() == {
        "tenant_name": "Le Comptoir",
        "role": "operator",
        "service_name": "Cuisine",
        "invited_by": workspace.user(Role.OWNER).username,
        "email": "nouvelle.recrue@bistro.test",
        "expires_at": preview.json()["expires_at"],
        "account_exists": False,
    }
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert {"access", "refresh", "user", "tenant"} <= set(body)
    assert body["tenant"]["id"] == workspace.tenant.pk
    assert body["tenant"]["role"] == "operator"
    user = User.objects.get(username="Nouvelle.Recrue")
    assert user.email == "nouvelle.recrue@bistro.test"
    assert user.check_password(NEW_PASSWORD)
    assert user.last_login is not None
    assert memberships_of(user) == {workspace.tenant.pk: ("operator", workspace.kitchen.pk)}
    # Logged in with the answer's tokens: a member of the business, limited to the kitchen.
    member = APIClient()
    member.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    services = member.get("/api/auth/services/").json()
    assert [row["id"] for row in services["results"]] == [workspace.kitchen.pk]
    assert member.get("/api/auth/me/").json()["role"] == "operator"
    # The invitation is spent, and shows who accepted it.
    invitation = invitation_row(invitation_id_for(workspace, "nouvelle.recrue@bistro.test"))
    assert (invitation.status, invitation.accepted_by_id) == (InvitationStatus.ACCEPTED, user.pk)
    assert memberships_of(other_workspace.user(Role.OWNER)) == {other_workspace.tenant.pk: ("owner", None)}


def invitation_id_for(workspace, email: str) -> int:
    with scopes_disabled():
        return Invitation.objects.get(tenant=workspace.tenant, email=email).pk


def test_role_service_and_tenant_come_from_the_invitation_never_from_the_body(
    workspace, other_workspace, emailed_token
):
    response = accept_as_new_person(
        APIClient(),
        emailed_token,
        role="owner",
        service=workspace.bar.pk,
        tenant=other_workspace.tenant.pk,
        tenant_id=other_workspace.tenant.pk,
        email="someone.else@example.test",
    )

    assert response.status_code == 200, response.content
    user = User.objects.get(username="nouvelle.recrue")
    assert user.email == "nouvelle.recrue@bistro.test"
    assert memberships_of(user) == {workspace.tenant.pk: ("operator", workspace.kitchen.pk)}


def test_an_existing_account_accepts_while_logged_in_with_the_invited_address(workspace, other_workspace):
    # Someone who already works for tenant B, invited to tenant A with their address in capitals.
    person = other_workspace.user(Role.MANAGER)
    invitation, token = invitation_with_token(tenant=workspace.tenant, email=person.email.upper(), role=Role.MANAGER)
    password_hash = person.password

    preview = client_for(person).get(ACCEPT_URL, {"token": token})
    response = client_for(person).post(
        ACCEPT_URL,
        {
            "token": token,
            "username": "taken-over",
            "password": "Other-Password-99",
            "password_confirm": "Other-Password-99",
        },
        format="json",
    )

    assert preview.json()["account_exists"] is True
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == person.pk
    tenant = response.json()["tenant"]
    assert (tenant["id"], tenant["role"]) == (workspace.tenant.pk, "manager")
    person.refresh_from_db()
    assert person.password == password_hash, "an invitation changed an existing password"
    assert person.username != "taken-over"
    # Added to A, still in B: never moved.
    assert memberships_of(person) == {
        other_workspace.tenant.pk: ("manager", None),
        workspace.tenant.pk: ("manager", None),
    }
    assert invitation_row(invitation.pk).accepted_by_id == person.pk


def test_a_logged_in_account_with_another_address_is_refused(workspace, other_workspace):
    invitation, token = invitation_with_token(tenant=workspace.tenant, email="invitee@example.test")
    intruder = other_workspace.user(Role.OWNER)

    response = client_for(intruder).post(ACCEPT_URL, {"token": token}, format="json")

    assert_error(response, 403, "INVITATION_EMAIL_MISMATCH")
    assert invitation_row(invitation.pk).status == InvitationStatus.PENDING
    assert memberships_of(intruder) == {other_workspace.tenant.pk: ("owner", None)}


def test_an_existing_account_must_log_in_rather_than_make_a_second_one(workspace, other_workspace):
    person = other_workspace.user(Role.OPERATOR)
    invitation, token = invitation_with_token(tenant=workspace.tenant, email=person.email)
    password_hash = person.password

    response = accept_as_new_person(APIClient(), token, username="second-account")

    assert_error(response, 409, "INVITATION_LOGIN_REQUIRED")
    person.refresh_from_db()
    assert person.password == password_hash
    assert not User.objects.filter(username="second-account").exists()
    assert invitation_row(invitation.pk).status == InvitationStatus.PENDING
    assert workspace.tenant.pk not in memberships_of(person)


def test_a_member_already_cannot_accept_twice(workspace):
    member = workspace.user(Role.OPERATOR)
    invitation, token = invitation_with_token(tenant=workspace.tenant, email=member.email, role=Role.MANAGER)

    response = client_for(member).post(ACCEPT_URL, {"token": token}, format="json")

    assert_error(response, 409, "ALREADY_MEMBER")
    assert memberships_of(member) == {workspace.tenant.pk: ("operator", None)}
    assert invitation_row(invitation.pk).status == InvitationStatus.PENDING


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"username": "recrue"}, {"password", "password_confirm"}),
        ({"username": "a@b", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, {"username"}),
        ({"username": "recrue", "password": "12345678", "password_confirm": "12345678"}, {"password"}),
        ({"username": "recrue", "password": NEW_PASSWORD, "password_confirm": "Autre-Chose-12"}, {"password_confirm"}),
        ({"username": "nouvelle", "password": "nouvelle.recrue", "password_confirm": "nouvelle.recrue"}, {"password"}),
    ],
    ids=["missing-passwords", "username-with-at", "weak-password", "confirmation-differs", "password-like-email"],
)
def test_a_new_account_must_be_valid_and_a_refusal_keeps_the_link(workspace, emailed_token, body, fields):
    refused = APIClient().post(ACCEPT_URL, {"token": emailed_token, **body}, format="json")

    error = assert_error(refused, 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == fields
    assert not User.objects.filter(email__iexact="nouvelle.recrue@bistro.test").exists()
    assert accept_as_new_person(APIClient(), emailed_token).status_code == 200


def test_a_taken_username_is_refused(workspace, other_workspace, emailed_token):
    taken = other_workspace.user(Role.OWNER).username.upper()

    error = assert_error(accept_as_new_person(APIClient(), emailed_token, username=taken), 400, "VALIDATION_ERROR")

    assert set(error["fields"]) == {"username"}


def _dead_tokens(workspace, other_workspace) -> dict[str, str]:
    """Every way a token can be unusable, in a tenant that has live invitations too."""
    now = timezone.now()
    _, expired = invitation_with_token(tenant=workspace.tenant, expires_at=now - timedelta(seconds=1))
    _, revoked = invitation_with_token(tenant=workspace.tenant, status=InvitationStatus.REVOKED)
    _, declined = invitation_with_token(tenant=workspace.tenant, status=InvitationStatus.DECLINED)
    _, used = invitation_with_token(tenant=workspace.tenant)
    assert accept_as_new_person(APIClient(), used, username="first-user").status_code == 200
    invitation_with_token(tenant=other_workspace.tenant)
    return {
        "expired": expired,
        "revoked": revoked,
        "declined": declined,
        "used": used,
        "unknown": "A" * 43,
        "garbage": "../../etc/passwd?x=<script>",
        "huge": "x" * 5000,
    }


@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", ACCEPT_URL), ("POST", ACCEPT_URL), ("POST", DECLINE_URL)],
    ids=["preview", "accept", "decline"],
)
def test_dead_and_unknown_tokens_answer_alike(workspace, other_workspace, method, url):
    tokens = _dead_tokens(workspace, other_workspace)
    users_before = User.objects.count()

    answers = {}
    for name, token in tokens.items():
        client = APIClient()
        if method == "GET":
            response = client.get(url, {"token": token})
        else:
            response = client.post(
                url,
                {
                    "token": token,
                    "username": f"late-{name}",
                    "password": NEW_PASSWORD,
                    "password_confirm": NEW_PASSWORD,
                },
                format="json",
            )
        answers[name] = (response.status_code, response.json())

    assert all(answer == answers["unknown"] for answer in answers.values()), answers
    assert answers["unknown"][0] == 410
    assert answers["unknown"][1]["code"] == "INVITATION_INVALID"
    assert User.objects.count() == users_before


def test_a_token_expires_after_seven_days(workspace, emailed_token):
    assert APIClient().get(ACCEPT_URL, {"token": emailed_token}).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        late = accept_as_new_person(APIClient(), emailed_token)

    assert_error(late, 410, "INVITATION_INVALID")


def test_a_token_is_missing(workspace):
    assert_error(APIClient().get(ACCEPT_URL), 400, "VALIDATION_ERROR")
    assert_error(APIClient().post(DECLINE_URL, {}, format="json"), 400, "VALIDATION_ERROR")


def test_decline_spends_the_link_and_frees_the_seat(workspace, emailed_token):
    seats_before = workspace.client(Role.OWNER).get("/api/auth/members/summary/").json()["seats"]["used"]

    declined = APIClient().post(DECLINE_URL, {"token": emailed_token}, format="json")

    assert declined.status_code == 200
    assert isinstance(declined.json()["detail"], str)
    assert_error(accept_as_new_person(APIClient(), emailed_token), 410, "INVITATION_INVALID")
    summary = workspace.client(Role.OWNER).get("/api/auth/members/summary/").json()
    assert summary["seats"]["used"] == seats_before - 1
    assert summary["invitations"] == []
    entry = AuditEntry.objects.with_scopes_disabled().get(action="invitation.declined")
    assert entry.tenant_id == workspace.tenant.pk


def test_accepting_writes_an_audit_row(workspace, emailed_token):
    accept_as_new_person(APIClient(), emailed_token)

    entry = AuditEntry.objects.with_scopes_disabled().get(action="invitation.accepted")
    user = User.objects.get(username="nouvelle.recrue")
    assert (entry.tenant_id, entry.actor_id) == (workspace.tenant.pk, user.pk)
    assert entry.after["role"] == "operator"


def test_the_link_in_the_email_is_the_one_that_works(workspace, emailed_token):
    """The text and HTML parts carry the same link (checked by last_token), on FRONTEND_URL."""
    [message] = mail.outbox
    assert emailed_token in message.body
    assert APIClient().get(ACCEPT_URL, {"token": emailed_token}).status_code == 200


def test_preview_never_shows_the_token_or_private_fields(workspace, emailed_token):
    body = APIClient().get(ACCEPT_URL, {"token": emailed_token}).json()

    assert emailed_token not in str(body)
    assert "token_hash" not in body and "id" not in body


def test_a_token_opens_its_own_invitation_only(workspace, other_workspace):
    """The link is the only key: a token from tenant B's invitation does not open A's."""
    _, theirs = invitation_with_token(tenant=other_workspace.tenant, email="b.invite@example.test")
    mine, _ = invitation_with_token(tenant=workspace.tenant, email="b.invite@example.test")
    person = UserFactory(email="b.invite@example.test")

    response = client_for(person).post(ACCEPT_URL, {"token": theirs}, format="json")

    assert response.status_code == 200
    assert memberships_of(person) == {other_workspace.tenant.pk: ("operator", None)}
    assert invitation_row(mine.pk).status == InvitationStatus.PENDING
