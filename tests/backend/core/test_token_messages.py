"""Token errors speak the user's language like every other error (simplejwt's own messages
are English): French by default, English with Accept-Language: en."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from stockscan.orgs.models import Role

ME_URL = "/api/auth/me/"
REFRESH_URL = "/api/auth/refresh/"


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Votre session est invalide ou a expiré. Reconnectez-vous."),
        ("en", "Your session is invalid or has expired. Log in again."),
    ],
)
def test_a_garbage_access_token_is_explained_in_the_users_language(db, language, expected):
    response = _bearer("not-a-token").get(ME_URL, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 401
    assert response.json() == {"code": "TOKEN_INVALID", "detail": expected}


def test_a_logged_out_refresh_token_says_the_session_has_ended(workspace):
    refresh = RefreshToken.for_user(workspace.user(Role.OWNER))
    refresh.blacklist()

    response = APIClient().post(REFRESH_URL, {"refresh": str(refresh)}, format="json")

    assert response.status_code == 401
    assert response.json()["detail"] == "Ce jeton a été révoqué."


def test_a_disabled_account_is_told_so(workspace):
    user = workspace.user(Role.OPERATOR)
    token = str(RefreshToken.for_user(user).access_token)
    user.is_active = False
    user.save()

    response = _bearer(token).get(ME_URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "Ce compte est désactivé."
