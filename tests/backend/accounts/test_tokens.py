"""Login, refresh rotation, logout and password change: which tokens work afterwards."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from stockscan.orgs.models import Role
from tests.factories import PASSWORD

LOGIN_URL = "/api/auth/login/"
REFRESH_URL = "/api/auth/refresh/"
LOGOUT_URL = "/api/auth/logout/"
ME_URL = "/api/auth/me/"
CHANGE_URL = "/api/auth/password/change/"
NEW_PASSWORD = "Moulin-Rouge-Tarte-77"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def login(client: APIClient, identifier: str, password: str = PASSWORD, *, field: str = "username"):
    return client.post(LOGIN_URL, {field: identifier, "password": password}, format="json")


def refresh(refresh_token: str):
    return APIClient().post(REFRESH_URL, {"refresh": refresh_token}, format="json")


@pytest.fixture
def owner(workspace):
    user = workspace.user(Role.OWNER)
    user.username = "Camille"
    user.email = "camille@bistro.test"
    user.save()
    return user


@pytest.mark.parametrize(
    ("field", "identifier"),
    [
        ("username", "Camille"),
        ("username", "camille"),
        ("username", "  CAMILLE "),
        ("username", "camille@bistro.test"),
        ("username", "Camille@Bistro.TEST"),
        ("email", "camille@bistro.test"),
    ],
)
def test_login_by_username_or_email_case_insensitive(api_client, owner, workspace, field, identifier):
    response = login(api_client, identifier, field=field)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["user"]["id"] == owner.pk
    assert body["user"]["username"] == "Camille"
    assert body["tenant"]["id"] == workspace.tenant.pk
    assert body["tenant"]["role"] == Role.OWNER
    assert bearer(body["access"]).get(ME_URL).json()["user"]["id"] == owner.pk
    assert refresh(body["refresh"]).status_code == 200


def test_login_records_the_last_login_members_lists_show(api_client, owner, other_workspace):
    assert owner.last_login is None

    response = login(api_client, owner.username)
    failed = login(api_client, other_workspace.user(Role.OWNER).username, "wrong-password")

    owner.refresh_from_db()
    assert response.json()["user"]["last_login"] is not None
    assert owner.last_login is not None
    assert failed.status_code == 401
    other = other_workspace.user(Role.OWNER)
    other.refresh_from_db()
    assert other.last_login is None


def test_login_user_without_membership_has_no_tenant(api_client, outsider):
    response = login(api_client, outsider.username)

    assert response.status_code == 200
    assert response.json()["tenant"] is None


def test_login_wrong_password_and_unknown_user_answer_the_same(api_client, owner):
    wrong_password = login(api_client, "Camille", "Not-The-Password-1")
    unknown_user = login(api_client, "nobody-here", "Not-The-Password-1")
    unknown_email = login(api_client, "nobody@bistro.test", "Not-The-Password-1")

    assert wrong_password.status_code == 401
    assert wrong_password.json()["code"] == "INVALID_CREDENTIALS"
    assert isinstance(wrong_password.json()["detail"], str)
    assert "access" not in wrong_password.json()
    assert (unknown_user.status_code, unknown_user.json()) == (401, wrong_password.json())
    assert (unknown_email.status_code, unknown_email.json()) == (401, wrong_password.json())


def test_login_inactive_user_is_refused(api_client, owner):
    owner.is_active = False
    owner.save()

    response = login(api_client, "Camille")

    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_CREDENTIALS"


def test_login_without_identifier_is_400(api_client, db):
    response = api_client.post(LOGIN_URL, {"password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "username" in response.json()["fields"]


def test_refresh_rotates_and_the_old_refresh_is_refused(api_client, owner):
    first = login(api_client, "Camille").json()

    rotated = refresh(first["refresh"])

    assert rotated.status_code == 200
    pair = rotated.json()
    assert pair["access"] and pair["refresh"]
    assert pair["refresh"] != first["refresh"]
    assert bearer(pair["access"]).get(ME_URL).status_code == 200

    reused = refresh(first["refresh"])
    assert reused.status_code == 401
    assert reused.json()["code"] == "TOKEN_INVALID"

    # The rotated refresh token keeps working, once.
    again = refresh(pair["refresh"])
    assert again.status_code == 200
    assert refresh(pair["refresh"]).status_code == 401


def test_logout_blacklists_the_refresh_token(api_client, owner):
    pair = login(api_client, "Camille").json()

    response = api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 200
    assert isinstance(response.json()["detail"], str)
    after = refresh(pair["refresh"])
    assert after.status_code == 401
    assert after.json()["code"] == "TOKEN_INVALID"
    # Logging out twice with the same token is refused too.
    assert api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_logout_refuses_the_sessions_access_tokens_at_once(api_client, owner):
    """Today the access token kept working for up to 15 minutes after logout."""
    session = login(api_client, "Camille").json()
    rotated = refresh(session["refresh"]).json()
    other_session = login(api_client, "Camille").json()
    assert bearer(rotated["access"]).get(ME_URL).status_code == 200

    assert api_client.post(LOGOUT_URL, {"refresh": rotated["refresh"]}, format="json").status_code == 200

    for access in (session["access"], rotated["access"]):
        refused = bearer(access).get(ME_URL)
        assert (refused.status_code, refused.json()["code"]) == (401, "TOKEN_INVALID")
    # Another session of the same user is not logged out.
    assert bearer(other_session["access"]).get(ME_URL).status_code == 200


def test_a_logged_out_session_stays_refused_when_the_cache_forgets_it(api_client, owner):
    """Another process, or Redis restarted: the database still holds the revocation."""
    session = login(api_client, "Camille").json()
    api_client.post(LOGOUT_URL, {"refresh": session["refresh"]}, format="json")

    cache.clear()

    assert bearer(session["access"]).get(ME_URL).status_code == 401
    assert bearer(login(api_client, "Camille").json()["access"]).get(ME_URL).status_code == 200


def test_an_authenticated_request_of_a_live_session_reads_no_revocation_from_the_database(api_client, owner):
    access = login(api_client, "Camille").json()["access"]
    client = bearer(access)
    client.get(ME_URL)  # warms the caches (tenant context, revocations)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME_URL).status_code == 200

    assert not [q for q in queries.captured_queries if "revokedsession" in q["sql"].lower()]


def test_logout_without_refresh_is_400(api_client, db):
    response = api_client.post(LOGOUT_URL, {}, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()["fields"]


@pytest.mark.parametrize(
    ("method", "url", "use_header"),
    [
        ("post", REFRESH_URL, False),
        ("post", LOGOUT_URL, False),
        ("get", ME_URL, True),
    ],
)
@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"])
def test_garbage_token_is_401_token_invalid(db, method, url, use_header, garbage):
    client = APIClient()
    if use_header:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {garbage}")
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, {"refresh": garbage}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "TOKEN_INVALID"
    assert isinstance(response.json()["detail"], str)


def test_access_token_is_not_a_refresh_token(api_client, owner):
    pair = login(api_client, "Camille").json()

    response = refresh(pair["access"])

    assert response.status_code == 401
    assert response.json()["code"] == "TOKEN_INVALID"


def test_me_without_token_is_401(api_client, db):
    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "NOT_AUTHENTICATED"


def change_password(access: str, old: str = PASSWORD, new: str = NEW_PASSWORD, confirm: str | None = None):
    return bearer(access).post(
        CHANGE_URL,
        {"old_password": old, "new_password": new, "new_password_confirm": new if confirm is None else confirm},
        format="json",
    )


def test_password_change_returns_a_new_pair_and_revokes_the_old_tokens(api_client, owner):
    old = login(api_client, "Camille").json()
    # A second session (another device), rotated once: its refresh must die too.
    other_device = refresh(login(api_client, "camille@bistro.test").json()["refresh"]).json()

    response = change_password(old["access"])

    assert response.status_code == 200, response.json()
    new = response.json()
    assert new["access"] and new["refresh"]
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)

    # Old access tokens are refused.
    assert bearer(old["access"]).get(ME_URL).status_code == 401
    assert bearer(other_device["access"]).get(ME_URL).status_code == 401
    # Old refresh tokens are refused.
    for stale in (old["refresh"], other_device["refresh"]):
        stale_refresh = refresh(stale)
        assert stale_refresh.status_code == 401
        assert stale_refresh.json()["code"] == "TOKEN_INVALID"

    # The new pair works.
    me = bearer(new["access"]).get(ME_URL)
    assert me.status_code == 200
    assert me.json()["user"]["id"] == owner.pk
    rotated = refresh(new["refresh"])
    assert rotated.status_code == 200
    assert bearer(rotated.json()["access"]).get(ME_URL).status_code == 200

    # Only the new password logs in.
    assert login(api_client, "Camille").status_code == 401
    assert login(api_client, "Camille", NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("old", "new", "confirm", "field"),
    [
        ("Wrong-Old-Password-1", NEW_PASSWORD, None, "old_password"),
        (PASSWORD, NEW_PASSWORD, "Something-Else-88", "new_password_confirm"),
        (PASSWORD, "12345678", None, "new_password"),
        (PASSWORD, "short", None, "new_password"),
    ],
    ids=["wrong-old-password", "mismatch", "numeric", "too-short"],
)
def test_password_change_invalid_is_400_and_changes_nothing(api_client, owner, old, new, confirm, field):
    pair = login(api_client, "Camille").json()

    response = change_password(pair["access"], old=old, new=new, confirm=confirm)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["fields"]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    # Nothing was revoked.
    assert bearer(pair["access"]).get(ME_URL).status_code == 200
    assert refresh(pair["refresh"]).status_code == 200


def test_password_change_needs_authentication(api_client, owner):
    response = api_client.post(
        CHANGE_URL,
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 401
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_password_change_does_not_touch_other_users(api_client, owner, workspace, other_workspace):
    someone_else = other_workspace.user(Role.OWNER)
    their_pair = login(api_client, someone_else.username).json()
    mine = login(api_client, "Camille").json()

    assert change_password(mine["access"]).status_code == 200

    assert bearer(their_pair["access"]).get(ME_URL).status_code == 200
    assert refresh(their_pair["refresh"]).status_code == 200
    someone_else.refresh_from_db()
    assert someone_else.check_password(PASSWORD)
