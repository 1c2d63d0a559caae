"""PostgreSQL unreachable: every API route answers 503 DATABASE_UNAVAILABLE (JSON, translated)
instead of a server error, and the next request after the database is back is served.

The outage is real at the socket level: the connection's server address is moved to a port
where nothing listens, so connecting is refused as it is when PostgreSQL is down."""

import contextlib

import pytest
from django.db import connection
from rest_framework.test import APIClient

from stockscan.orgs.models import Role
from tests.backend.core.responses import assert_error
from tests.factories import PASSWORD
from tests.support.outages import closed_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="refuses PostgreSQL's connections"),
]

CATEGORIES = "/api/categories/"


@contextlib.contextmanager
def database_down():
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


def test_an_authenticated_list_answers_503_while_the_database_is_down(workspace):
    owner = workspace.client(Role.OWNER)  # its token was signed before the outage

    with database_down():
        french = owner.get(CATEGORIES)
        english = owner.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="en")

    assert_error(french, 503, "DATABASE_UNAVAILABLE")
    assert_error(english, 503, "DATABASE_UNAVAILABLE")
    assert french.json()["detail"] != english.json()["detail"], "the message is not translated"
    assert "refused" not in french.content.decode().lower(), "the database error leaks to the caller"


def test_login_answers_503_while_the_database_is_down(workspace):
    username = workspace.user(Role.OWNER).username

    with database_down():
        response = APIClient().post("/api/auth/login/", {"username": username, "password": PASSWORD}, format="json")

    assert_error(response, 503, "DATABASE_UNAVAILABLE")


def test_requests_are_served_again_when_the_database_is_back(workspace):
    owner = workspace.client(Role.OWNER)
    with database_down():
        assert owner.get(CATEGORIES).status_code == 503

    assert owner.get(CATEGORIES).status_code == 200
