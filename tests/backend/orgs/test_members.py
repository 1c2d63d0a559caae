"""Members: GET /api/auth/members/summary/, PATCH and DELETE /api/auth/memberships/<id>/.

The summary lists members (role, service, status, last login), pending invitations with where
their email is (a bounce reported by SendGrid included), and seats used / allowed. Changing a
role or a service and removing a member write audit rows; the last owner can be neither
demoted nor removed. Tenant B (`other_workspace`) must never show through.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import InvitationStatus, Membership, Role
from stockscan.orgs.services.organisation import membership_update
from tests.backend.core.responses import assert_error
from tests.backend.orgs.invitations import SUMMARY_URL, invitation_row, invite
from tests.conftest import client_for
from tests.factories import InvitationFactory, MembershipFactory
from tests.plans import set_plan
from tests.support.sendgrid import sendgrid_event


@pytest.fixture(autouse=True)
def _plan(workspace, other_workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    set_plan(other_workspace.tenant, PlanCode.PRO)
    InvitationFactory(tenant=other_workspace.tenant, email="chez.autrui@example.test")


def member_url(membership) -> str:
    return f"/api/auth/memberships/{membership.pk}/"


def membership_state(membership) -> tuple[str, int | None] | None:
    with scopes_disabled():
        return Membership.objects.filter(pk=membership.pk).values_list("role", "service").first()


def test_summary_lists_members_invitations_and_seats(workspace, other_workspace, django_capture_on_commit_callbacks):
    owner = workspace.client(Role.OWNER)
    operator = workspace.user(Role.OPERATOR)
    operator.last_login = timezone.now()
    operator.save()
    invite(owner, django_capture_on_commit_callbacks, "recrue@example.test", service=workspace.bar.pk)

    response = workspace.client(Role.MANAGER).get(SUMMARY_URL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["seats"] == {"used": 5, "allowed": 10}
    members = {row["id"]: row for row in body["members"]}
    assert set(members) == {m.pk for m in workspace.members.values()}
    row = members[workspace.members[Role.OPERATOR].pk]
    assert (row["role"], row["status"], row["service"]) == ("operator", "active", None)
    assert row["user"]["last_login"] is not None
    assert members[workspace.members["operator_bar"].pk]["service_name"] == "Bar"
    [invitation] = body["invitations"]
    assert (invitation["email"], invitation["role"], invitation["service_name"]) == (
        "recrue@example.test",
        "operator",
        "Bar",
    )
    assert (invitation["status"], invitation["email_status"]) == ("pending", "sent")
    assert "chez.autrui@example.test" not in json.dumps(body)
    assert not {m.user.email for m in other_workspace.members.values()} & {r["user"]["email"] for r in body["members"]}


def test_summary_shows_expired_invitations_without_counting_them(workspace):
    InvitationFactory(tenant=workspace.tenant, email="late@example.test", expires_at=timezone.now())
    InvitationFactory(tenant=workspace.tenant, email="gone@example.test", status=InvitationStatus.REVOKED)

    body = workspace.client(Role.OWNER).get(SUMMARY_URL).json()

    assert [(row["email"], row["status"]) for row in body["invitations"]] == [("late@example.test", "expired")]
    assert body["seats"]["used"] == 4


def test_summary_with_invitation_emails_off(workspace, settings, django_capture_on_commit_callbacks):
    settings.INVITATIONS_SEND_EMAILS = False
    invite(workspace.client(Role.OWNER), django_capture_on_commit_callbacks, "manuel@example.test")

    [invitation] = workspace.client(Role.OWNER).get(SUMMARY_URL).json()["invitations"]

    assert invitation["email_status"] == "not_sent"


def test_an_invitation_the_console_backend_only_logged_shows_as_logged(
    workspace, settings, django_capture_on_commit_callbacks
):
    """No email provider: the console backend writes the email out, nobody receives it, and
    the summary says so instead of "sent"."""
    settings.EMAIL_BACKEND = "stockscan.core.email_backends.MaskedConsoleEmailBackend"
    invite(workspace.client(Role.OWNER), django_capture_on_commit_callbacks, "console@example.test")

    [invitation] = workspace.client(Role.OWNER).get(SUMMARY_URL).json()["invitations"]

    assert invitation["email_status"] == "logged"


def test_a_bounced_invitation_shows_as_bounced(
    workspace, other_workspace, fake_sendgrid, sendgrid_signer, django_capture_on_commit_callbacks
):
    invite(workspace.client(Role.OWNER), django_capture_on_commit_callbacks, "wrong.address@example.test")
    [accepted] = fake_sendgrid.accepted
    body = json.dumps(
        [
            sendgrid_event("processed", accepted.message_id, email="wrong.address@example.test"),
            sendgrid_event(
                "bounce",
                accepted.message_id,
                email="wrong.address@example.test",
                reason="550 5.1.1 user unknown",
                type="bounce",
            ),
        ]
    ).encode()

    webhook = APIClient().generic(
        "POST", "/api/webhooks/sendgrid/", body, content_type="application/json", **sendgrid_signer.headers(body)
    )

    assert webhook.status_code == 200, webhook.content
    [invitation] = workspace.client(Role.OWNER).get(SUMMARY_URL).json()["invitations"]
    assert (invitation["email"], invitation["email_status"]) == ("wrong.address@example.test", "bounced")
    assert other_workspace.client(Role.OWNER).get(SUMMARY_URL).json()["invitations"][0]["email_status"] == "not_sent"


def _measure(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SUMMARY_URL)
    assert response.status_code == 200
    return len(queries)


def test_summary_costs_the_same_queries_with_one_row_or_many(workspace):
    owner = workspace.client(Role.OWNER)
    InvitationFactory(tenant=workspace.tenant)
    owner.get(SUMMARY_URL)
    one = _measure(owner)

    for _ in range(20):
        MembershipFactory(tenant=workspace.tenant, role=Role.OPERATOR, service=workspace.kitchen)
        InvitationFactory(tenant=workspace.tenant)
    many = _measure(owner)

    assert one == many
    # seats, members, invitations (the request's tenant context is cached)
    assert many == 3


def test_owner_changes_a_role_and_a_service(workspace):
    owner = workspace.client(Role.OWNER)
    target = workspace.members[Role.OPERATOR]

    promoted = owner.patch(member_url(target), {"role": "manager"}, format="json")
    limited = owner.patch(member_url(target), {"service": workspace.bar.pk}, format="json")
    widened = owner.patch(member_url(target), {"service": None}, format="json")

    assert promoted.status_code == 200, promoted.content
    assert (promoted.json()["role"], promoted.json()["service"]) == ("manager", None)
    assert (limited.json()["role"], limited.json()["service"]) == ("manager", workspace.bar.pk)
    assert widened.json()["service"] is None
    assert membership_state(target) == ("manager", None)
    entries = list(
        AuditEntry.objects.with_scopes_disabled()
        .filter(action="membership.updated", target_id=str(target.pk))
        .order_by("id")
        .values_list("before", "after")
    )
    assert entries[0] == (
        {"user": target.user_id, "role": "operator", "service": None},
        {"user": target.user_id, "role": "manager", "service": None},
    )
    assert entries[1][1]["service"] == workspace.bar.pk
    assert len(entries) == 3


def test_a_role_change_takes_effect_on_the_next_request(workspace):
    target = workspace.members[Role.OPERATOR]
    member = workspace.client(Role.OPERATOR)
    assert member.get("/api/auth/memberships/").status_code == 403

    workspace.client(Role.OWNER).patch(member_url(target), {"role": "manager"}, format="json")

    assert member.get("/api/auth/memberships/").status_code == 200


def test_promoting_to_owner_clears_the_service(workspace):
    target = workspace.members["operator_bar"]

    refused = workspace.client(Role.OWNER).patch(
        member_url(target), {"role": "owner", "service": workspace.bar.pk}, format="json"
    )
    promoted = workspace.client(Role.OWNER).patch(member_url(target), {"role": "owner"}, format="json")

    assert set(assert_error(refused, 400, "VALIDATION_ERROR")["fields"]) == {"service"}
    assert promoted.status_code == 200
    assert membership_state(target) == ("owner", None)


def test_the_service_refuses_an_owner_limited_to_a_service_whoever_calls_it(workspace):
    target = workspace.members["operator_bar"]

    with scope(tenant=workspace.tenant.pk), pytest.raises(ValidationError) as refused:
        membership_update(membership=target, actor=workspace.user(Role.OWNER), role=Role.OWNER, service=workspace.bar)

    assert set(refused.value.detail) == {"service"}
    assert membership_state(target) == (Role.OPERATOR, workspace.bar.pk)


def test_another_tenants_service_cannot_be_given(workspace, other_workspace):
    target = workspace.members[Role.OPERATOR]

    response = workspace.client(Role.OWNER).patch(
        member_url(target), {"service": other_workspace.kitchen.pk}, format="json"
    )

    assert set(assert_error(response, 404, "NOT_FOUND")["fields"]) == {"service"}
    assert membership_state(target) == ("operator", None)


def test_owner_removes_a_member_who_then_loses_access(workspace, other_workspace):
    target = workspace.members[Role.MANAGER]
    # Also a member of tenant B: removal from A leaves that alone.
    elsewhere = MembershipFactory(tenant=other_workspace.tenant, user=target.user, role=Role.OPERATOR)
    removed_client = client_for(target.user, tenant=workspace.tenant)
    assert removed_client.get("/api/auth/services/").status_code == 200

    response = workspace.client(Role.OWNER).delete(member_url(target))

    assert response.status_code == 204
    assert membership_state(target) is None
    assert membership_state(elsewhere) == ("operator", None)
    assert_error(removed_client.get("/api/auth/services/"), 404, "NOT_FOUND")
    assert client_for(target.user).get("/api/auth/services/").status_code == 200  # B still works
    entry = AuditEntry.objects.with_scopes_disabled().get(action="membership.removed")
    assert (entry.tenant_id, entry.before["role"]) == (workspace.tenant.pk, "manager")
    summary = workspace.client(Role.OWNER).get(SUMMARY_URL).json()
    assert summary["seats"]["used"] == 3


def test_the_last_owner_can_be_neither_demoted_nor_removed(workspace):
    owner_membership = workspace.members[Role.OWNER]
    owner = workspace.client(Role.OWNER)

    demoted = owner.patch(member_url(owner_membership), {"role": "manager"}, format="json")
    removed = owner.delete(member_url(owner_membership))

    assert_error(demoted, 409, "LAST_OWNER")
    assert_error(removed, 409, "LAST_OWNER")
    assert membership_state(owner_membership) == ("owner", None)
    assert not AuditEntry.objects.with_scopes_disabled().filter(action__startswith="membership.").exists()


def test_with_a_second_owner_an_owner_may_step_down(workspace):
    second = workspace.members[Role.MANAGER]
    owner = workspace.client(Role.OWNER)
    owner.patch(member_url(second), {"role": "owner"}, format="json")

    stepped_down = owner.patch(member_url(workspace.members[Role.OWNER]), {"role": "manager"}, format="json")
    last = client_for(second.user).delete(member_url(second))

    assert stepped_down.status_code == 200
    assert_error(last, 409, "LAST_OWNER")


def test_a_disabled_owner_does_not_count_as_the_other_owner(workspace):
    with scopes_disabled():
        MembershipFactory(tenant=workspace.tenant, role=Role.OWNER, status="disabled")

    response = workspace.client(Role.OWNER).delete(member_url(workspace.members[Role.OWNER]))

    assert_error(response, 409, "LAST_OWNER")


def test_removing_a_member_never_touches_an_invitation(workspace, django_capture_on_commit_callbacks):
    created = invite(workspace.client(Role.OWNER), django_capture_on_commit_callbacks, "attente@example.test").json()

    workspace.client(Role.OWNER).delete(member_url(workspace.members[Role.OPERATOR]))

    assert invitation_row(created["id"]).status == InvitationStatus.PENDING
