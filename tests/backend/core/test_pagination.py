"""Every paginated list route answers a page past its last one, however far, with the API's
JSON 404, as DRF's paginator does; routes are found by the URLconf walk
(tests/backend/core/api_routes.py)."""

from urllib.parse import urlencode

import pytest

from stockscan.orgs.models import Role
from tests.backend.core.api_routes import TENANT_MODELS, tenant_list_routes

pytestmark = pytest.mark.django_db

# The largest page number PostgreSQL's bigint holds, and one beyond it.
HUGE_PAGES = ["2", "9223372036854775807", "9223372036854775808", "99999999999999999999999999"]


def _paginated(route) -> bool:
    return getattr(route.view_class, "pagination_class", None) is not None


PAGINATED_ROUTES = [route for route in tenant_list_routes() if _paginated(route)]


def test_the_walk_finds_the_paginated_routes():
    assert {"count-line-list", "product-list", "loss-list"} <= {route.name for route in PAGINATED_ROUTES}


@pytest.mark.parametrize("route", PAGINATED_ROUTES, ids=lambda route: route.name)
@pytest.mark.parametrize("page", HUGE_PAGES)
def test_a_page_past_the_last_is_not_found(workspace, other_workspace, route, page):
    rows = TENANT_MODELS[route.model]
    rows.make(workspace)
    rows.make(other_workspace)
    client = workspace.client(Role.OWNER)
    url = f"{route.url()}?{urlencode(rows.list_query(workspace))}"
    assert client.get(url).status_code == 200

    response = client.get(f"{url}&page={page}")

    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (set(body), body["code"]) == ({"code", "detail"}, "NOT_FOUND")
