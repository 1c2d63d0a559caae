"""A list page costs the same number of SQL queries with 1 row as with 50.

Every tenant list route found by the walk (tests/backend/core/api_routes.py) is measured, for
the owner of a one-service business, while `workspace` and `other_workspace` hold rows of
their own that must not be counted.
"""

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stockscan.orgs.models import Role
from tests.backend.core.api_routes import TENANT_MODELS, row_ids, tenant_list_routes
from tests.conftest import Workspace, client_for
from tests.factories import MembershipFactory, ServiceFactory, TenantFactory

MANY = 50
# Budget per list route, the tenant context cached: count and page; the month's lines carry
# their total (one query).
QUERY_BUDGET = {
    "count-line-list": 1,
    # The credit book: + the page's derived statuses (one query, stockscan.credits.selectors),
    # + the credits' product lines (one prefetch).
    "customer-list": 3,
    "credit-list": 4,
    "payment-list": 3,
    "entry-list": 4,
}
DEFAULT_QUERY_BUDGET = 2
# What a request pays when its tenant context is not cached: the user, the membership (with
# the tenant and its plan rows), the tenant's services.
CONTEXT_QUERIES = 3

LIST_ROUTES = tenant_list_routes()


@pytest.fixture
def solo(db) -> Workspace:
    """A business with a single service and a single member, its owner."""
    tenant = TenantFactory(name="Le Solo")
    service = ServiceFactory(tenant=tenant, name="Boutique", service_type="retail_general")
    owner = MembershipFactory(tenant=tenant, role=Role.OWNER)
    return Workspace(tenant=tenant, kitchen=service, bar=service, members={Role.OWNER: owner})


def _grow_to(ws: Workspace, model, count: int) -> None:
    rows = TENANT_MODELS[model]
    while len(row_ids(model, ws.tenant)) < count:
        rows.make(ws)


def _measure(client, url: str, expected_rows: int) -> CaptureQueriesContext:
    # Growing the rows may have renewed the cached tenant context (a new service does): load
    # it again first, so that each measure sees the request a busy user makes.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    listed = body["count"] if isinstance(body, dict) else len(body)
    assert listed == expected_rows
    return queries


def _sql(queries: CaptureQueriesContext) -> str:
    return "\n".join(f"  {number}. {query['sql']}" for number, query in enumerate(queries.captured_queries, 1))


def test_every_list_route_of_the_contract_is_measured():
    assert {route.name for route in LIST_ROUTES} >= {"service-list", "membership-list"}


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda route: route.name)
def test_list_query_count_does_not_grow_with_rows(solo, workspace, route):
    client = client_for(solo.user(Role.OWNER))
    url = f"{route.url()}?{urlencode(TENANT_MODELS[route.model].list_query(solo))}"
    _grow_to(solo, route.model, 1)

    one = _measure(client, url, expected_rows=1)
    _grow_to(solo, route.model, MANY)
    many = _measure(client, url, expected_rows=MANY)

    assert len(one) == len(many), (
        f"{url}: {len(one)} queries with 1 row, {len(many)} with {MANY}.\n"
        f"With 1 row:\n{_sql(one)}\nWith {MANY} rows:\n{_sql(many)}"
    )
    budget = QUERY_BUDGET.get(route.name, DEFAULT_QUERY_BUDGET)
    assert len(many) <= budget, f"{url}: {len(many)} queries, budget {budget}:\n{_sql(many)}"

    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    assert len(cold) == len(many) + CONTEXT_QUERIES, f"{url} without its cached context:\n{_sql(cold)}"
