"""Invitations are emails to strangers from our verified sender, so a business cannot turn
them into a spam cannon: so many per hour and per day per business (revoked ones count), so
many per day to one address from all businesses; and nothing a business writes (its name,
its owner's name) reaches the subject or the lead sentence of the email."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.entitlements.plans import PlanCode
from stockscan.mail.models import OutboundEmail
from stockscan.orgs.models import Invitation, Role
from tests.backend.core.responses import assert_error
from tests.backend.orgs.invitations import invite
from tests.factories import InvitationFactory
from tests.plans import set_plan

PHISHING = "Votre compte est suspendu : appelez le +33 1 23 45 67 89 pour le débloquer"


@pytest.fixture(autouse=True)
def _room_for_members(workspace, other_workspace, settings):
    set_plan(workspace.tenant, PlanCode.PRO)
    set_plan(other_workspace.tenant, PlanCode.PRO)
    settings.INVITATIONS_PER_TENANT_PER_HOUR = 5
    settings.INVITATIONS_PER_TENANT_PER_DAY = 8
    settings.INVITATIONS_PER_ADDRESS_PER_DAY = 3


def _invite_and_revoke(client, capture, email: str):
    response = invite(client, capture, email)
    if response.status_code == 201:
        assert client.delete(f"/api/auth/invitations/{response.json()['id']}/").status_code == 204
    return response


def _emails_to(address: str) -> int:
    return OutboundEmail.objects.with_scopes_disabled().filter(recipient__iexact=address).count()


def _age(tenant, delta: timedelta) -> None:
    with scopes_disabled():
        Invitation.objects.filter(tenant=tenant).update(created_at=timezone.now() - delta)


def test_invite_then_revoke_cannot_repeat_emails_to_one_stranger(workspace, django_capture_on_commit_callbacks):
    owner = workspace.client()

    answers = [_invite_and_revoke(owner, django_capture_on_commit_callbacks, "target@victim.example") for _ in range(6)]

    assert [answer.status_code for answer in answers] == [201, 201, 201, 429, 429, 429]
    body = assert_error(answers[3], 429, "INVITATION_RATE_LIMITED")
    assert body["retry_after"] > 0
    assert int(answers[3]["Retry-After"]) == body["retry_after"]
    assert _emails_to("target@victim.example") == 3
    assert len(mail.outbox) == 3


def test_one_address_is_limited_across_businesses(workspace, other_workspace, django_capture_on_commit_callbacks):
    for _ in range(2):
        _invite_and_revoke(workspace.client(), django_capture_on_commit_callbacks, "Target@Victim.example")
    _invite_and_revoke(other_workspace.client(), django_capture_on_commit_callbacks, "target@victim.example")

    refused = invite(other_workspace.client(), django_capture_on_commit_callbacks, "TARGET@victim.example")

    assert_error(refused, 429, "INVITATION_RATE_LIMITED")
    assert _emails_to("target@victim.example") == 3


def test_a_business_sends_so_many_invitations_per_hour_revoked_ones_included(
    workspace, other_workspace, django_capture_on_commit_callbacks
):
    owner = workspace.client()
    answers = [
        _invite_and_revoke(owner, django_capture_on_commit_callbacks, f"person{index}@example.test")
        for index in range(6)
    ]

    assert [answer.status_code for answer in answers] == [201] * 5 + [429]
    body = assert_error(answers[5], 429, "INVITATION_RATE_LIMITED")
    assert body["limit"] == 5
    assert 0 < body["retry_after"] <= 3600
    assert "heure" in body["detail"], "French by default"
    english = owner.post(
        "/api/auth/memberships/",
        {"email": "late@example.test", "role": "operator"},
        format="json",
        headers={"Accept-Language": "en"},
    )
    assert english.json()["detail"] == "Your organisation sent 5 invitations in the last hour. Try again later."
    # Another business is not held by this one's limit.
    assert invite(other_workspace.client(), django_capture_on_commit_callbacks, "x@example.test").status_code == 201


def test_an_hour_later_the_hourly_limit_frees_but_the_daily_one_holds(workspace, django_capture_on_commit_callbacks):
    owner = workspace.client()
    for index in range(5):
        _invite_and_revoke(owner, django_capture_on_commit_callbacks, f"early{index}@example.test")
    _age(workspace.tenant, timedelta(hours=2))

    later = [
        _invite_and_revoke(owner, django_capture_on_commit_callbacks, f"later{index}@example.test")
        for index in range(4)
    ]

    assert [answer.status_code for answer in later] == [201, 201, 201, 429]
    body = assert_error(later[3], 429, "INVITATION_RATE_LIMITED")
    assert body["limit"] == 8
    assert 3600 < body["retry_after"] <= 22 * 3600


def test_the_limits_count_database_rows_not_a_cache(workspace, django_capture_on_commit_callbacks):
    """Rows another process wrote count as much as this one's: the cache is cleared, the
    rows stay."""
    owner = workspace.user(Role.OWNER)
    for index in range(5):
        InvitationFactory(tenant=workspace.tenant, email=f"elsewhere{index}@example.test", invited_by=owner)

    refused = invite(workspace.client(), django_capture_on_commit_callbacks, "next@example.test")

    assert_error(refused, 429, "INVITATION_RATE_LIMITED")


def test_what_a_business_writes_stays_out_of_the_subject_and_the_lead(workspace, django_capture_on_commit_callbacks):
    inviter = workspace.user(Role.OWNER)
    inviter.first_name, inviter.last_name = PHISHING, ""
    inviter.save()
    workspace.tenant.name = "Support sécurité StockScan"
    workspace.tenant.save()

    invite(workspace.client(), django_capture_on_commit_callbacks, "target@victim.example")

    [message] = mail.outbox
    assert PHISHING not in message.subject
    assert workspace.tenant.name not in message.subject
    lead = message.body.split("\n\n")[:2]
    assert all(PHISHING not in part and workspace.tenant.name not in part for part in lead), lead
    # Lower down, quoted and attributed to the business.
    quoted = message.body.index(f"« {PHISHING} »") if "«" in message.body else message.body.index(f'"{PHISHING}"')
    assert quoted > message.body.index("http")
    [(html, _)] = message.alternatives
    assert html.index(PHISHING) > html.index("href=")


def test_one_invitation_is_emailed_three_times_at_most(workspace, django_capture_on_commit_callbacks):
    """Resending waits ten minutes; without a cap, one pending invitation would still email
    its address every ten minutes for a week."""
    owner = workspace.client()
    created = invite(owner, django_capture_on_commit_callbacks, "target@victim.example").json()
    url = f"/api/auth/invitations/{created['id']}/resend/"

    answers = []
    for step in range(1, 5):
        with (
            time_machine.travel(timezone.now() + timedelta(minutes=11 * step)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            answers.append(workspace.client().post(url))  # a token of the hour

    assert [answer.status_code for answer in answers] == [200, 200, 409, 409]
    body = assert_error(answers[2], 409, "INVITATION_SEND_LIMIT")
    assert body["limit"] == 3
    assert len(mail.outbox) == 3
