"""Tenant isolation, walked over every API route of the project.

Each route under /api/ is allowlisted (it serves no tenant data, `NO_TENANT_OBJECT_ROUTES`),
answers about the current tenant as a whole (`CURRENT_TENANT_ROUTES`), or serves a registered
tenant model (`TENANT_MODELS`); a new route that is none of these fails
`test_every_api_route_is_covered`, so the checks below reach it without anyone having to
remember. Tenant A is `workspace`, tenant B `other_workspace`; B's owner probes A's rows by
id (with every method, the POST actions on an object included), by body and by the
X-Tenant-Id header.
"""

import pytest

from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role
from stockscan.orgs.tenancy.permissions import Perm
from stockscan.orgs.tenancy.views import TenantAPIView, TenantModelViewSet
from tests.backend.core.api_routes import (
    CURRENT_TENANT_QUERY,
    CURRENT_TENANT_ROUTES,
    LOOKUP_ROUTES,
    NO_TENANT_OBJECT_ROUTES,
    TENANT_MODELS,
    ApiRoute,
    api_routes,
    classification_problems,
    current_tenant_routes,
    detail_method_cases,
    foreign_object_problems,
    listed_ids,
    row_ids,
    snapshot,
    tenant_detail_routes,
    tenant_list_routes,
    tenant_lookup_routes,
    tenant_routes,
)
from tests.backend.core.leaky_routes import LEAKY_ROUTE, SCOPED_ROUTE
from tests.backend.core.responses import answer_content, assert_error, assert_json, send
from tests.plans import set_plan

DETAIL_ROUTES = tenant_detail_routes()
LIST_ROUTES = tenant_list_routes()
LOOKUP_ROUTES_WALKED = tenant_lookup_routes()
CURRENT_ROUTES = current_tenant_routes()


@pytest.fixture(autouse=True)
def _plans_with_room(workspace, other_workspace):
    """Both tenants on PRO, so a create refused here is refused for isolation, not for a plan limit."""
    set_plan(workspace.tenant, PlanCode.PRO)
    set_plan(other_workspace.tenant, PlanCode.PRO)


def _route_id(route) -> str:
    return route.name


def _classification(route) -> str:
    if route.name in NO_TENANT_OBJECT_ROUTES:
        return f"allowlisted: {NO_TENANT_OBJECT_ROUTES[route.name]}"
    if route.name in CURRENT_TENANT_ROUTES:
        return f"current tenant: {CURRENT_TENANT_ROUTES[route.name]}"
    return f"tenant model: {route.model._meta.label}" if route.model else "UNCLASSIFIED"


def test_every_api_route_is_covered():
    routes = api_routes()
    for route in routes:
        print(f"{route.pattern:60} {','.join(sorted(route.methods)):25} {_classification(route)}")

    problems = classification_problems(routes)

    assert not problems, "Routes the isolation walk cannot cover:\n  " + "\n  ".join(problems)


def test_walk_reaches_the_tenant_routes_of_the_contract():
    walked_urls = {route.url() for route in tenant_list_routes()}

    assert tenant_routes(), "the walk found no tenant route at all"
    assert {"/api/auth/services/", "/api/auth/memberships/"} <= walked_urls, walked_urls
    assert DETAIL_ROUTES, "the walk found no detail route"


@pytest.mark.parametrize(
    ("route", "method"),
    [pytest.param(route, method, id=f"{route.name}-{method}") for route, method in detail_method_cases(DETAIL_ROUTES)],
)
def test_another_tenants_object_answers_like_a_missing_one(workspace, other_workspace, route, method):
    problems = foreign_object_problems(route, method, victim=workspace, intruder=other_workspace)

    assert not problems, "\n".join(problems)


def test_every_method_of_every_detail_route_is_walked():
    walked = {(route.name, method) for route, method in detail_method_cases(DETAIL_ROUTES)}
    accepted = {(route.name, method) for route in DETAIL_ROUTES for method in route.methods}

    assert accepted <= walked
    assert {("count-close", "POST"), ("count-reopen", "POST"), ("invitation-resend", "POST")} <= walked


@pytest.mark.urls("tests.backend.core.leaky_routes")
def test_the_walk_fails_on_a_post_action_that_reads_another_tenants_object(workspace, other_workspace):
    """The gate itself: a POST action added to a viewset is walked without anyone listing it,
    and reading its object without the tenant is reported as the leak it is."""
    routes = {route.name: route for route in tenant_detail_routes()}
    walked = {(route.name, method) for route, method in detail_method_cases(list(routes.values()))}
    assert {(LEAKY_ROUTE, "POST"), (SCOPED_ROUTE, "POST")} <= walked

    leaks = foreign_object_problems(routes[LEAKY_ROUTE], "POST", victim=workspace, intruder=other_workspace)
    sound = foreign_object_problems(routes[SCOPED_ROUTE], "POST", victim=workspace, intruder=other_workspace)

    assert len(leaks) == 1, leaks
    assert "answered 200" in leaks[0], leaks
    assert sound == []


@pytest.mark.parametrize("route", [route for route in LIST_ROUTES if "GET" in route.methods], ids=_route_id)
def test_list_never_shows_another_tenants_rows(workspace, other_workspace, route):
    rows = TENANT_MODELS[route.model]
    rows.make(workspace)
    own = rows.make(other_workspace)

    response = other_workspace.client(Role.OWNER).get(
        route.url(), {"page_size": 200, **rows.list_query(other_workspace)}
    )

    assert response.status_code == 200, response.content
    listed = listed_ids(response)
    assert own.pk in listed, "the list does not even show the caller's own row: the check proves nothing"
    assert listed.isdisjoint(row_ids(route.model, workspace.tenant)), f"{route.url()} shows tenant A's rows to B"


@pytest.mark.parametrize("route", LIST_ROUTES, ids=_route_id)
def test_post_naming_another_tenant_creates_nothing_there(workspace, other_workspace, route):
    model = route.model
    rows_of_a = row_ids(model, workspace.tenant)
    rows_of_b = row_ids(model, other_workspace.tenant)
    body = {
        **TENANT_MODELS[model].create_body(workspace),
        "tenant": workspace.tenant.pk,
        "tenant_id": workspace.tenant.pk,
        "service": workspace.kitchen.pk,
        "service_id": workspace.kitchen.pk,
    }

    response = other_workspace.client(Role.OWNER).post(route.url(), body, format="json")

    assert_json(response)
    assert row_ids(model, workspace.tenant) == rows_of_a, f"POST {route.url()} by B created a row in tenant A"
    if "POST" not in route.methods:
        assert_error(response, 405, "METHOD_NOT_ALLOWED")
    elif response.status_code in (200, 201):
        created = row_ids(model, other_workspace.tenant) - rows_of_b
        assert len(created) == 1, "a successful create must land in the caller's own tenant"
    else:
        assert response.status_code in (400, 403, 404, 409), response.content
        assert row_ids(model, other_workspace.tenant) == rows_of_b


@pytest.mark.parametrize("route", LOOKUP_ROUTES_WALKED, ids=_route_id)
def test_lookup_never_finds_another_tenants_row(workspace, other_workspace, route):
    rows = TENANT_MODELS[route.model]
    theirs = rows.make(workspace)
    own = rows.make(other_workspace)
    client = other_workspace.client(Role.OWNER)

    found = client.get(route.url(), LOOKUP_ROUTES[route.name](own))
    foreign = client.get(route.url(), LOOKUP_ROUTES[route.name](theirs))

    assert found.status_code == 200, found.content
    assert found.json()["id"] == own.pk, "the lookup does not even find the caller's own row: the check proves nothing"
    assert_error(foreign, 404, "NOT_FOUND")


def _header_cases():
    for route in [*LIST_ROUTES, *LOOKUP_ROUTES_WALKED]:
        for method in sorted(route.methods & {"GET", "POST"}):
            yield pytest.param(route, method, id=f"{route.name}-{method}")
    for route in DETAIL_ROUTES:
        for method in sorted(route.methods):
            yield pytest.param(route, method, id=f"{route.name}-{method}")


@pytest.mark.parametrize(("route", "method"), list(_header_cases()))
def test_another_tenants_id_in_the_header_is_not_found(workspace, other_workspace, route, method):
    rows = TENANT_MODELS[route.model]
    target = rows.make(workspace)
    before = snapshot(target)
    rows_of_a = row_ids(route.model, workspace.tenant)
    url = route.url(target) if route.is_detail else route.url()

    response = send(
        other_workspace.client(Role.OWNER),
        method,
        url,
        rows.create_body(workspace),
        HTTP_X_TENANT_ID=str(workspace.tenant.pk),
    )

    assert_error(response, 404, "NOT_FOUND")
    assert row_ids(route.model, workspace.tenant) == rows_of_a
    assert snapshot(target) == before


@pytest.mark.parametrize(
    ("route", "method"),
    [pytest.param(route, method, id=f"{route.name}-{method}") for route in CURRENT_ROUTES for method in route.methods],
)
def test_current_tenant_route_refuses_another_tenants_header(workspace, other_workspace, route, method):
    response = send(
        other_workspace.client(Role.OWNER), method, route.url(), {}, HTTP_X_TENANT_ID=str(workspace.tenant.pk)
    )

    assert_error(response, 404, "NOT_FOUND")


@pytest.mark.parametrize("route", [route for route in CURRENT_ROUTES if "GET" in route.methods], ids=_route_id)
def test_current_tenant_answer_ignores_another_tenants_data(workspace, other_workspace, route):
    client = other_workspace.client(Role.OWNER)
    query = CURRENT_TENANT_QUERY.get(route.name, lambda ws: {})(other_workspace)
    before = client.get(route.url(), query)
    assert before.status_code == 200, answer_content(before)
    before_content = answer_content(before)  # read now: a file may be streamed as it is read

    for rows in TENANT_MODELS.values():
        for _ in range(3):
            rows.make(workspace)
    after = client.get(route.url(), query)

    assert answer_content(after) == before_content, f"{route.url()} for tenant B moved when tenant A's data did"


class _UnregisteredModelViewSet(TenantModelViewSet):
    queryset = AuditEntry.objects.none()
    permissions = {"list": Perm.VIEW_TENANT}


class _ModelessTenantView(TenantAPIView):
    permissions = {"GET": Perm.VIEW_TENANT}


@pytest.mark.parametrize(
    ("name", "callback", "problem"),
    [
        pytest.param(
            "audit-list", _UnregisteredModelViewSet.as_view({"get": "list"}), "not registered", id="unregistered-model"
        ),
        pytest.param("summary", _ModelessTenantView.as_view(), "cannot tell which tenant model", id="no-model"),
        pytest.param("login", _ModelessTenantView.as_view(), "cannot be allowlisted", id="allowlisted-tenant-view"),
    ],
)
def test_the_walk_fails_on_a_route_nobody_classified(name, callback, problem):
    """The gate itself: a new route nobody registered is reported, with what to do."""
    route = ApiRoute(name=name, pattern=f"api/{name}/", callback=callback, kwarg_names=frozenset())

    problems = [line for line in classification_problems([*api_routes(), route]) if line.startswith(str(route))]

    assert len(problems) == 1, problems
    assert problem in problems[0]
