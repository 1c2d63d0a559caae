"""The health check the platform and the runbook call: 200 when the database answers, 503
when it does not. The outage is simulated at Django's database layer, never in StockScan."""

from datetime import datetime
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from rest_framework.test import APIClient

from tests.backend.core.responses import assert_json

HEALTH_PATHS = ["/health", "/health/", "/api/health/", "/api/health"]


@pytest.mark.parametrize("path", HEALTH_PATHS)
def test_health_answers_ok(workspace, settings, path):
    response = APIClient().get(path)

    assert response.status_code == 200
    body = assert_json(response)
    assert body["status"] == "ok"
    assert body["environment"] == settings.APP_ENVIRONMENT
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None


def test_health_needs_no_credentials_and_ignores_bad_ones(workspace):
    response = APIClient().get("/api/health/", HTTP_AUTHORIZATION="Bearer expired-or-garbage")

    assert response.status_code == 200
    assert assert_json(response)["status"] == "ok"


def _connection_refused():
    return mock.patch.object(
        BaseDatabaseWrapper,
        "ensure_connection",
        side_effect=OperationalError('connection to server at "db" failed: Connection refused'),
    )


def _query_fails():
    return mock.patch.object(
        CursorWrapper, "execute", side_effect=OperationalError("server closed the connection unexpectedly")
    )


@pytest.mark.parametrize("outage", [_connection_refused, _query_fails], ids=["connection-refused", "query-fails"])
@pytest.mark.parametrize("path", HEALTH_PATHS)
def test_health_reports_the_database_down(workspace, settings, path, outage):
    with outage():
        response = APIClient().get(path)

    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error"
    assert body["environment"] == settings.APP_ENVIRONMENT
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
    assert "Connection refused" not in response.content.decode(), "the database error leaks to the caller"


def test_health_recovers_when_the_database_is_back(workspace):
    with _connection_refused():
        assert APIClient().get("/api/health/").status_code == 503

    assert APIClient().get("/api/health/").status_code == 200


def test_the_root_opens_the_api_documentation(client):
    response = client.get("/")

    assert (response.status_code, response["Location"]) == (302, "/api/docs/")
