"""One refresh token, refreshed by many requests at once on PostgreSQL (real threads, each with
its own connection and transaction): exactly one gets a new pair."""

import pytest
from django.db import connection  # noqa: F401 (read by the skipif condition)
from rest_framework.test import APIClient

from stockscan.orgs.models import Role
from tests.conftest import make_workspace
from tests.factories import PASSWORD
from tests.support.concurrency import run_concurrently

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="row locks and concurrent transactions need PostgreSQL"
    ),
]


def test_ten_concurrent_refreshes_of_one_token_make_one_new_pair():
    user = make_workspace("Refresh").user(Role.OWNER)
    make_workspace("Other tenant")
    pair = APIClient().post("/api/auth/login/", {"username": user.username, "password": PASSWORD}, format="json")
    token = pair.json()["refresh"]

    responses = run_concurrently(
        10, lambda _index: APIClient().post("/api/auth/refresh/", {"refresh": token}, format="json")
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [401] * 9, responses
    assert {r.json()["code"] for r in responses if r.status_code == 401} == {"TOKEN_INVALID"}
    [winner] = [r.json() for r in responses if r.status_code == 200]
    again = APIClient().post("/api/auth/refresh/", {"refresh": winner["refresh"]}, format="json")
    assert again.status_code == 200
