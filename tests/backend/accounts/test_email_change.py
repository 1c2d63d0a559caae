"""Changing the login email: it needs the current password, it happens only when the link sent
to the new address is followed (once, before it expires), and the current address is told."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.utils import timezone

from stockscan.accounts.models import EmailChangeRequest
from stockscan.mail.models import OutboundEmail
from stockscan.orgs.models import Role
from tests.conftest import client_for
from tests.factories import PASSWORD

ME_URL = "/api/auth/me/"
CONFIRM_URL = "/api/auth/email/confirm/"
NEW_EMAIL = "nouvelle.adresse@bistro.test"


def ask_change(user, capture, email=NEW_EMAIL, **extra):
    with capture(execute=True):
        return client_for(user).patch(ME_URL, {"email": email, **extra}, format="json")


def confirmation_token() -> str:
    [message] = [m for m in mail.outbox if m.to == [NEW_EMAIL]]
    [link] = re.findall(r"https?://\S+", message.body)
    return parse_qs(urlparse(link).query)["token"][0]


def login(client, identifier):
    return client.post("/api/auth/login/", {"username": identifier, "password": PASSWORD}, format="json")


@pytest.mark.parametrize("password", [None, "", "Not-The-Password-1"], ids=["missing", "empty", "wrong"])
def test_changing_the_email_needs_the_current_password(owner, django_capture_on_commit_callbacks, password):
    extra = {} if password is None else {"password": password}

    response = ask_change(owner, django_capture_on_commit_callbacks, first_name="Intrus", **extra)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "password" in response.json()["fields"]
    owner.refresh_from_db()
    assert owner.email == "gerante@bistro.test"
    assert owner.first_name != "Intrus"
    assert mail.outbox == []
    assert not EmailChangeRequest.objects.exists()


def test_the_email_changes_only_when_the_link_sent_to_the_new_address_is_followed(
    api_client, owner, django_capture_on_commit_callbacks
):
    response = ask_change(owner, django_capture_on_commit_callbacks, password=PASSWORD)

    assert response.status_code == 200, response.json()
    assert response.json()["pending_email"] == NEW_EMAIL
    assert response.json()["user"]["email"] == "gerante@bistro.test"
    owner.refresh_from_db()
    assert owner.email == "gerante@bistro.test"
    # The old address is told; the new one gets the link.
    assert sorted(m.to[0] for m in mail.outbox) == ["gerante@bistro.test", NEW_EMAIL]
    [notice] = [m for m in mail.outbox if m.to == ["gerante@bistro.test"]]
    assert NEW_EMAIL in notice.body
    assert not re.findall(r"https?://\S+token", notice.body)
    assert login(api_client, NEW_EMAIL).status_code == 401

    token = confirmation_token()
    confirmed = api_client.post(CONFIRM_URL, {"token": token}, format="json")

    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["email"] == NEW_EMAIL
    owner.refresh_from_db()
    assert owner.email == NEW_EMAIL
    assert login(api_client, NEW_EMAIL).status_code == 200
    assert login(api_client, "gerante@bistro.test").status_code == 401
    # Used once.
    again = api_client.post(CONFIRM_URL, {"token": token}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "EMAIL_CHANGE_TOKEN_INVALID")


def test_the_link_is_stored_as_a_hash_only(owner, django_capture_on_commit_callbacks):
    ask_change(owner, django_capture_on_commit_callbacks, password=PASSWORD)
    token = confirmation_token()

    [change] = EmailChangeRequest.objects.values()
    assert token not in str(change)
    assert len(token) >= 43  # 256 bits, base64
    assert token not in str(list(OutboundEmail.objects.with_scopes_disabled().values()))


@pytest.mark.parametrize("case", ["expired", "voided-by-a-new-request", "garbage"])
def test_expired_voided_and_unknown_links_change_nothing(api_client, owner, django_capture_on_commit_callbacks, case):
    ask_change(owner, django_capture_on_commit_callbacks, password=PASSWORD)
    token = confirmation_token()
    if case == "expired":
        EmailChangeRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif case == "voided-by-a-new-request":
        ask_change(owner, django_capture_on_commit_callbacks, email="autre@bistro.test", password=PASSWORD)
    else:
        token = "not-a-token"

    response = api_client.post(CONFIRM_URL, {"token": token}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "EMAIL_CHANGE_TOKEN_INVALID")
    owner.refresh_from_db()
    assert owner.email == "gerante@bistro.test"


def test_an_address_taken_meanwhile_is_a_conflict(
    api_client, owner, other_workspace, django_capture_on_commit_callbacks
):
    ask_change(owner, django_capture_on_commit_callbacks, password=PASSWORD)
    someone = other_workspace.user(Role.OWNER)
    someone.email = NEW_EMAIL
    someone.save()

    response = api_client.post(CONFIRM_URL, {"token": confirmation_token()}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "ACCOUNT_EXISTS")
    owner.refresh_from_db()
    assert owner.email == "gerante@bistro.test"


def test_a_password_reset_after_the_request_still_goes_to_the_current_address(
    api_client, owner, django_capture_on_commit_callbacks
):
    """The attack: a stolen access token changed the email, then a reset took the account."""
    ask_change(owner, django_capture_on_commit_callbacks, password=PASSWORD)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/auth/password-reset/", {"email": NEW_EMAIL}, format="json")
        api_client.post("/api/auth/password-reset/", {"email": "gerante@bistro.test"}, format="json")

    assert [m.to for m in mail.outbox] == [["gerante@bistro.test"]]
