"""Throttles on the unauthenticated entry points: per account and per client address, and
a forged X-Forwarded-For cannot buy a fresh bucket.

Rates are read from the settings (the throttle classes read them at import time, so they
are never overridden here)."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from rest_framework.test import APIRequestFactory

from stockscan.orgs.api import LoginView
from stockscan.orgs.models import Role
from tests.conftest import client_for
from tests.factories import PASSWORD

LOGIN_URL = "/api/auth/login/"
CHANGE_URL = "/api/auth/password/change/"
RESET_URL = "/api/auth/password-reset/"
PROXY = "10.0.0.1"


def allowed(scope: str) -> int:
    """How many requests the scope's rate lets through in one period."""
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]
    return int(rate.split("/", 1)[0])


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "THROTTLED"
    assert isinstance(body["detail"], str)
    assert isinstance(body["retry_after"], int)
    assert body["retry_after"] > 0
    assert int(response["Retry-After"]) > 0


def login(client, username, password="Wrong-Password-000", **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, format="json", **extra)


@pytest.fixture
def owner(workspace):
    user = workspace.user(Role.OWNER)
    user.username = "Camille"
    user.save()
    return user


def test_failed_logins_from_elsewhere_do_not_lock_the_owner_out(api_client, owner):
    """Today's attack: a stream of bad passwords for one username kept its owner on 429."""
    spellings = ["Camille", "camille", " CAMILLE "]
    for attempt in range(allowed("login_username") * 2):
        response = login(api_client, spellings[attempt % 3], REMOTE_ADDR=f"192.0.2.{attempt % 4 + 1}")
        assert response.status_code in (401, 429), attempt

    # The owner, from their own address, logs in.
    assert login(api_client, "camille", PASSWORD, REMOTE_ADDR="198.51.100.50").status_code == 200


def test_failed_logins_are_throttled_per_username_and_address(api_client, owner, other_workspace):
    limit = allowed("login_username")
    spellings = ["Camille", "camille", " CAMILLE "]
    for attempt in range(limit):
        response = login(api_client, spellings[attempt % 3], REMOTE_ADDR="192.0.2.7")
        assert response.status_code == 401, attempt

    # Even the right password is refused from that address while it is throttled.
    refused = login(api_client, "camille", PASSWORD, REMOTE_ADDR="192.0.2.7")
    assert_throttled(refused)
    assert "access" not in refused.json()

    # Another address, and another account from the same address, are not affected.
    assert login(api_client, "Camille", PASSWORD, REMOTE_ADDR="192.0.2.8").status_code == 200
    other = other_workspace.user(Role.OWNER)
    assert login(api_client, other.username, PASSWORD, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_successful_logins_are_not_counted_and_start_the_count_again(api_client, owner):
    limit = allowed("login_username")
    for _round in range(2):
        for attempt in range(limit - 1):
            assert login(api_client, "Camille", REMOTE_ADDR="192.0.2.9").status_code == 401, attempt
        assert login(api_client, "Camille", PASSWORD, REMOTE_ADDR="192.0.2.9").status_code == 200


def test_an_account_attacked_from_many_addresses_is_slowed_not_blocked(api_client, owner):
    per_address = allowed("login_username") - 1
    account_limit = allowed("login_account")
    for attempt in range(account_limit):
        # Each address stays under its own limit: only the account-wide count fills up.
        address = f"203.0.113.{attempt // per_address + 1}"
        assert login(api_client, "Camille", REMOTE_ADDR=address).status_code == 401, attempt

    # Under attack, a new address gets the lower rate...
    for attempt in range(allowed("login_under_attack")):
        assert login(api_client, "Camille", REMOTE_ADDR="203.0.113.200").status_code == 401, attempt
    assert_throttled(login(api_client, "Camille", REMOTE_ADDR="203.0.113.200"))
    # ...and the owner, from an address that has not failed, still logs in.
    assert login(api_client, "Camille", PASSWORD, REMOTE_ADDR="198.51.100.60").status_code == 200


def test_login_is_throttled_per_address_across_usernames(api_client, owner):
    limit = allowed("login_ip")
    for attempt in range(limit):
        response = login(api_client, f"guess-{attempt}", REMOTE_ADDR="198.51.100.9")
        assert response.status_code == 401, attempt

    assert_throttled(login(api_client, "Camille", PASSWORD, REMOTE_ADDR="198.51.100.9"))
    # Another address still logs in.
    assert login(api_client, "Camille", PASSWORD, REMOTE_ADDR="198.51.100.10").status_code == 200


def test_rotating_x_forwarded_for_does_not_bypass_the_address_throttle(api_client, owner):
    assert settings.TRUSTED_PROXY_COUNT == 0
    limit = allowed("login_ip")
    for attempt in range(limit):
        response = login(
            api_client, f"guess-{attempt}", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt + 1}"
        )
        assert response.status_code == 401, attempt

    assert_throttled(
        login(api_client, "Camille", PASSWORD, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.250")
    )


@pytest.fixture
def one_trusted_proxy():
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        yield


@pytest.mark.usefixtures("one_trusted_proxy")
def test_behind_one_proxy_the_last_forwarded_address_is_the_client(api_client, owner):
    limit = allowed("login_ip")
    for attempt in range(limit):
        # The client prepends a different fake address each time; the proxy appends the
        # address it really saw.
        forwarded = f"203.0.113.{attempt + 1}, 198.51.100.77"
        response = login(api_client, f"guess-{attempt}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == 401, attempt

    assert_throttled(
        login(api_client, "Camille", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.250, 198.51.100.77")
    )
    # Behind the same proxy, another real client has its own bucket: the proxy's own
    # address is not what is counted.
    other_client = login(api_client, "Camille", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.78")
    assert other_client.status_code == 200


def test_wrong_current_passwords_are_throttled_at_password_change(workspace, owner):
    """Today: 40 wrong old_password answered 400 in a row to a stolen access token."""
    client = client_for(owner)
    body = {"new_password": "Moulin-Rouge-Tarte-77", "new_password_confirm": "Moulin-Rouge-Tarte-77"}
    for attempt in range(allowed("password_check")):
        response = client.post(CHANGE_URL, {**body, "old_password": f"guess-{attempt}"}, format="json")
        assert response.status_code == 400, attempt

    assert_throttled(client.post(CHANGE_URL, {**body, "old_password": "guess-again"}, format="json"))
    assert_throttled(client.post(CHANGE_URL, {**body, "old_password": PASSWORD}, format="json"))
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_password_reset_is_throttled_per_email(api_client, owner, django_capture_on_commit_callbacks):
    limit = allowed("password_reset_email")
    spellings = [owner.email, owner.email.upper(), f"  {owner.email}  "]
    with django_capture_on_commit_callbacks(execute=True):
        for attempt in range(limit):
            response = api_client.post(
                RESET_URL, {"email": spellings[attempt % 3]}, format="json", REMOTE_ADDR=f"192.0.2.{attempt + 1}"
            )
            assert response.status_code == 202, attempt
    assert len(mail.outbox) == limit

    with django_capture_on_commit_callbacks(execute=True):
        refused = api_client.post(RESET_URL, {"email": owner.email}, format="json", REMOTE_ADDR="192.0.2.200")
    assert_throttled(refused)
    assert len(mail.outbox) == limit

    # Another address from a fresh client is not affected.
    other = api_client.post(RESET_URL, {"email": "someone@else.test"}, format="json", REMOTE_ADDR="192.0.2.201")
    assert other.status_code == 202


def test_password_reset_is_throttled_per_address(api_client, db):
    limit = allowed("password_reset_ip")
    for attempt in range(limit):
        response = api_client.post(
            RESET_URL, {"email": f"nobody{attempt}@else.test"}, format="json", REMOTE_ADDR="198.51.100.9"
        )
        assert response.status_code == 202, attempt

    assert_throttled(api_client.post(RESET_URL, {"email": "late@else.test"}, format="json", REMOTE_ADDR="198.51.100.9"))


def test_a_login_without_a_client_address_is_answered_not_a_crash(workspace):
    """A WSGI server that gives no REMOTE_ADDR (found by the schemathesis run): the failure
    budgets key on an empty address instead of failing with a 500."""
    request = APIRequestFactory().post(LOGIN_URL, {"username": "nobody", "password": "x"}, format="json")
    del request.META["REMOTE_ADDR"]

    response = LoginView.as_view()(request)

    assert (response.status_code, response.data["code"]) == (401, "INVALID_CREDENTIALS")
