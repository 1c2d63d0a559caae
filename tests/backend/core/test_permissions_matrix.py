"""Who may do what on the tenant routes, role by (route, method).

The generated matrix (`test_generated_role_matrix`) covers every route served by a tenant
view, found by the route walk (tests/backend/core/api_routes.py), with every method it accepts:
the expected answer comes from the permission the view declares for that method and the
roles that hold it (stockscan/orgs/tenancy/permissions.py). A new route or a new action is in
it the day it is added. The hand-written table below it adds what each answer did to the
orgs rows.

Roles come from `workspace` (tenant A): owner, manager, operator, and `operator_bar`, an
operator limited to the bar service; plus a member of another tenant (`other_workspace`'s
owner, whose own data must never be replaced by A's), `outsider` (no membership at all) and
an anonymous client.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Invitation, InvitationStatus, Membership, Role, Service
from stockscan.orgs.tenancy.permissions import role_has
from tests.backend.core.api_routes import (
    CURRENT_TENANT_ROUTES,
    LOOKUP_ROUTES,
    TENANT_MODELS,
    ApiRoute,
    api_routes,
    error_code,
    listed_ids,
    route_call,
    row_ids,
    snapshot,
    tenant_view_routes,
)
from tests.backend.core.leaky_routes import LEAKY_ROUTE
from tests.backend.core.responses import assert_error, assert_json, send
from tests.conftest import Workspace, client_for
from tests.factories import InvitationFactory
from tests.plans import set_plan


@pytest.fixture(autouse=True)
def _plan_with_room(workspace, other_workspace):
    """Plans are not what this table is about: on PRO every feature is included and the
    limits leave room (a third service), so a 403 can only come from the role."""
    set_plan(workspace.tenant, PlanCode.PRO)
    set_plan(other_workspace.tenant, PlanCode.PRO)


# --- The generated matrix: every tenant route, every method, every role.

OTHER_TENANT = "other_tenant"
MATRIX_ROLES = (Role.OWNER, Role.MANAGER, Role.OPERATOR, "operator_bar", OTHER_TENANT, "anonymous")
# Outside services switched off in the tests: the view's own answer once the request got past
# the permission layer (billing without Stripe keys).
OUTSIDE_SERVICE_OFF = {"BILLING_NOT_CONFIGURED"}


def matrix_cases(routes: list[ApiRoute]) -> list[tuple[ApiRoute, str]]:
    return [(route, method) for route in tenant_view_routes(routes) for method in sorted(route.methods)]


ALLOWED = None  # any answer of the view itself


def _expected(route: ApiRoute, method: str, role: str, membership: Membership | None):
    """(status, code) the permission layer and the object lookup answer, or ALLOWED."""
    if membership is None:
        return (401, "NOT_AUTHENTICATED")
    if role == OTHER_TENANT:
        return (404, "NOT_FOUND") if route.is_detail else ALLOWED
    permission = route.permission(method)
    if permission is None or not role_has(membership.role, permission):
        return (403, "PERMISSION_DENIED")
    if route.is_detail and membership.service_id is not None and TENANT_MODELS[route.model].service_scoped:
        return (404, "NOT_FOUND")  # the row is in another service than the member's
    return ALLOWED


def _view_answer_problems(response, label: str) -> list[str]:
    """What is wrong with an answer that should come from the view itself, not from the
    permission layer: never 401/403, JSON or a file, no server error but an outside
    service that is switched off."""
    status = response.status_code
    if status in (401, 403):
        return [f"{label}: refused {status} {response.content!r}, though the role holds the permission"]
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: a file answer is a whole file
        return [] if status == 200 else [f"{label}: a file answer with status {status}"]
    if status >= 500 and error_code(response) not in OUTSIDE_SERVICE_OFF:
        return [f"{label}: {status} {response.content[:300]!r}"]
    if status != 204 and not response.get("Content-Type", "").startswith("application/json"):
        return [f"{label}: {status} answered with {response.get('Content-Type')!r}"]
    return []


def _state(route: ApiRoute, target, tenant) -> tuple:
    """Tenant's rows of the route's model, and the row a detail route was called for."""
    rows = row_ids(route.model, tenant) if route.name not in CURRENT_TENANT_ROUTES else None
    return rows, snapshot(target) if target is not None else None


def test_every_tenant_route_and_method_is_in_the_generated_matrix():
    """A route served by a tenant view is in the matrix with each of its methods, without
    anyone adding it; and each declares the permission it needs."""
    routes = tenant_view_routes()

    generated = {(route.name, method) for route, method in matrix_cases(routes)}

    assert generated == {(route.name, method) for route in routes for method in route.methods}
    assert {name for name, _ in generated} >= {"product-list", "count-close", "loss-detail", "exports"}
    undeclared = sorted(
        f"{route.name} {method}" for route, method in matrix_cases(routes) if not route.permission(method)
    )
    assert not undeclared, f"tenant routes without a declared permission (closed to everyone): {undeclared}"


@pytest.mark.urls("tests.backend.core.leaky_routes")
def test_a_new_action_is_in_the_generated_matrix_without_anyone_adding_it():
    generated = {(route.name, method) for route, method in matrix_cases(api_routes())}

    assert (LEAKY_ROUTE, "POST") in generated


def _lists_rows(route: ApiRoute) -> bool:
    return route.model is not None and not route.is_detail and route.name not in LOOKUP_ROUTES


def _role_problems(route: ApiRoute, method: str, role: str, workspace: Workspace, other: Workspace) -> list[str]:
    """Calls the route as `role` (a detail route for a new row of tenant A, in a service the
    `operator_bar` does not see) and says what does not match the role's permissions."""
    caller = other if role == OTHER_TENANT else workspace
    membership = None if role == "anonymous" else caller.members[Role.OWNER if role == OTHER_TENANT else role]
    service = membership.service if membership is not None and membership.service_id else caller.kitchen
    lists_rows = _lists_rows(route)
    call = route_call(route, method, owner=workspace, caller=caller, service=service)
    client = APIClient() if membership is None else client_for(membership.user)
    before = _state(route, call.target, workspace.tenant)
    label = f"{method} {call.url} ({route.name}) as {role}"

    response = send(client, method, call.url, call.body)

    problems = []
    expected = _expected(route, method, role, membership)
    if expected is ALLOWED:
        problems += _view_answer_problems(response, label)
    elif (response.status_code, error_code(response)) != expected:
        problems.append(f"{label}: answered {response.status_code} {response.content[:300]!r}, expected {expected}")
    if (expected is not ALLOWED or role == OTHER_TENANT) and _state(route, call.target, workspace.tenant) != before:
        problems.append(f"{label}: changed tenant A's rows")
    if role == OTHER_TENANT and method == "GET" and route.model is not None and not route.is_detail:
        if response.status_code != 200:
            return [*problems, f"{label}: {response.status_code} {response.content[:300]!r}"]
        listed = listed_ids(response) if lists_rows else {response.json()["id"]}
        if not listed:
            problems.append(f"{label}: not even the caller's own row is listed: the check proves nothing")
        if not listed <= row_ids(route.model, other.tenant):
            problems.append(f"{label}: shows rows of tenant A")
    return problems


@pytest.mark.parametrize(
    ("route", "method"),
    [pytest.param(route, method, id=f"{route.name}-{method}") for route, method in matrix_cases(api_routes())],
)
def test_generated_role_matrix(workspace, other_workspace, route, method):
    """Each role in turn: anonymous 401; a role without the permission 403; a role with it the
    view's own answer (404 for a row of a service it does not see); a member of another
    tenant 404 for tenant A's row and only its own rows in a list."""
    if _lists_rows(route):  # a row in each tenant: a list shows the caller's and never the other's
        for ws in (workspace, other_workspace):
            TENANT_MODELS[route.model].make(ws)

    problems = [
        problem for role in MATRIX_ROLES for problem in _role_problems(route, method, role, workspace, other_workspace)
    ]

    assert not problems, "\n".join(problems)


# --- The orgs routes, with what each answer did to the rows.


@dataclass(frozen=True)
class Action:
    method: str
    url: Callable[[Workspace], str]
    body: dict | None = None
    # For writes: whether the change happened, read from the database afterwards.
    happened: Callable[[Workspace], bool] | None = None


def _service_named(ws: Workspace, name: str) -> bool:
    with scopes_disabled():
        return Service.objects.filter(tenant=ws.tenant, name=name).exists()


def _kitchen_exists(ws: Workspace) -> bool:
    with scopes_disabled():
        return Service.objects.filter(pk=ws.kitchen.pk).exists()


def _membership_url(ws: Workspace) -> str:
    return f"/api/auth/memberships/{ws.members['operator'].pk}/"


def _operator_membership(ws: Workspace) -> Membership | None:
    with scopes_disabled():
        return Membership.objects.filter(pk=ws.members["operator"].pk).first()


INVITED = "invitee.matrix@example.test"


def _invitation(ws: Workspace) -> Invitation:
    """The workspace's pending invitation, sent an hour ago (so a resend is not too soon)."""
    with scopes_disabled():
        invitation = Invitation.objects.filter(tenant=ws.tenant, email=INVITED).first()
    return invitation or InvitationFactory(
        tenant=ws.tenant, email=INVITED, last_sent_at=timezone.now() - timedelta(hours=1)
    )


def _invitation_url(ws: Workspace) -> str:
    return f"/api/auth/invitations/{_invitation(ws).pk}/"


def _invited(ws: Workspace, email: str) -> bool:
    with scopes_disabled():
        return Invitation.objects.filter(tenant=ws.tenant, email=email).exists()


def _invitation_state(ws: Workspace) -> tuple[str, int] | None:
    with scopes_disabled():
        return Invitation.objects.filter(tenant=ws.tenant, email=INVITED).values_list("status", "send_count").first()


ACTIONS = {
    "list services": Action("GET", lambda ws: "/api/auth/services/"),
    "retrieve kitchen": Action("GET", lambda ws: f"/api/auth/services/{ws.kitchen.pk}/"),
    "retrieve bar": Action("GET", lambda ws: f"/api/auth/services/{ws.bar.pk}/"),
    "create service": Action(
        "POST",
        lambda ws: "/api/auth/services/",
        {"name": "Cave", "service_type": "bar"},
        happened=lambda ws: _service_named(ws, "Cave"),
    ),
    "rename kitchen": Action(
        "PATCH",
        lambda ws: f"/api/auth/services/{ws.kitchen.pk}/",
        {"name": "Cuisine chaude"},
        happened=lambda ws: _service_named(ws, "Cuisine chaude"),
    ),
    "delete kitchen": Action(
        "DELETE",
        lambda ws: f"/api/auth/services/{ws.kitchen.pk}/",
        happened=lambda ws: not _kitchen_exists(ws),
    ),
    "list members": Action("GET", lambda ws: "/api/auth/memberships/"),
    "retrieve member": Action("GET", _membership_url),
    "invite": Action(
        "POST",
        lambda ws: "/api/auth/memberships/",
        {"email": "nouvelle.recrue@example.test", "role": "operator"},
        happened=lambda ws: _invited(ws, "nouvelle.recrue@example.test"),
    ),
    "change member role": Action(
        "PATCH",
        _membership_url,
        {"role": "manager"},
        happened=lambda ws: getattr(_operator_membership(ws), "role", None) == Role.MANAGER,
    ),
    "remove member": Action("DELETE", _membership_url, happened=lambda ws: _operator_membership(ws) is None),
    "members summary": Action("GET", lambda ws: "/api/auth/members/summary/"),
    "retrieve invitation": Action("GET", _invitation_url),
    "resend invitation": Action(
        "POST",
        lambda ws: _invitation_url(ws) + "resend/",
        happened=lambda ws: _invitation_state(ws) == (InvitationStatus.PENDING, 2),
    ),
    "revoke invitation": Action(
        "DELETE",
        _invitation_url,
        happened=lambda ws: _invitation_state(ws) == (InvitationStatus.REVOKED, 1),
    ),
}

OK = (200, None)
CREATED = (201, None)
DELETED = (204, None)
DENIED = (403, "PERMISSION_DENIED")
HIDDEN = (404, "NOT_FOUND")
NO_MEMBERSHIP = (403, "NO_TENANT_MEMBERSHIP")
ANONYMOUS = (401, "NOT_AUTHENTICATED")

ROLES = ("owner", "manager", "operator", "operator_bar", "outsider", "anonymous")
# fmt: off
MATRIX = [
    # action              owner    manager  operator operator_bar outsider       anonymous
    ("list services",     OK,      OK,      OK,      OK,          NO_MEMBERSHIP, ANONYMOUS),
    ("retrieve kitchen",  OK,      OK,      OK,      HIDDEN,      NO_MEMBERSHIP, ANONYMOUS),
    ("retrieve bar",      OK,      OK,      OK,      OK,          NO_MEMBERSHIP, ANONYMOUS),
    ("create service",    CREATED, CREATED, DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("rename kitchen",    OK,      OK,      DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("delete kitchen",    DELETED, DELETED, DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("list members",      OK,      OK,      DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("retrieve member",   OK,      OK,      DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("invite",            CREATED, DENIED,  DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("change member role", OK,     DENIED,  DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("remove member",     DELETED, DENIED,  DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("members summary",   OK,      OK,      DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("retrieve invitation", OK,    OK,      DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("resend invitation", OK,      DENIED,  DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
    ("revoke invitation", DELETED, DENIED,  DENIED,  DENIED,      NO_MEMBERSHIP, ANONYMOUS),
]
# fmt: on

CASES = [
    pytest.param(action, role, expected, id=f"{action}-{role}".replace(" ", "_"))
    for action, *expectations in MATRIX
    for role, expected in zip(ROLES, expectations, strict=True)
]


def _client(role: str, workspace: Workspace, outsider) -> APIClient:
    if role == "anonymous":
        return APIClient()
    if role == "outsider":
        return client_for(outsider)
    return workspace.client(role)


def test_the_matrix_covers_every_action():
    assert {action for action, *_ in MATRIX} == set(ACTIONS)


@pytest.mark.parametrize(("action_name", "role", "expected"), CASES)
def test_role_matrix(workspace, other_workspace, outsider, action_name, role, expected):
    action = ACTIONS[action_name]
    status, code = expected

    response = send(_client(role, workspace, outsider), action.method, action.url(workspace), action.body)

    if code is None:
        assert response.status_code == status, response.content
        if status != 204:
            assert_json(response)
    else:
        assert_error(response, status, code)
    if action.happened is not None:
        assert action.happened(workspace) is (status < 300), "the database does not match the answer"
        assert not action.happened(other_workspace)


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("owner", {"kitchen", "bar"}),
        ("manager", {"kitchen", "bar"}),
        ("operator", {"kitchen", "bar"}),
        ("operator_bar", {"bar"}),
    ],
)
def test_service_list_shows_what_the_membership_allows(workspace, role, visible):
    response = workspace.client(role).get("/api/auth/services/")

    assert response.status_code == 200
    expected = {getattr(workspace, name).pk for name in visible}
    assert listed_ids(response) == expected


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_member_list_shows_only_the_tenants_members(workspace, role):
    response = workspace.client(role).get("/api/auth/memberships/")

    assert response.status_code == 200
    with scopes_disabled():
        expected = set(Membership.objects.filter(tenant=workspace.tenant).values_list("pk", flat=True))
    assert listed_ids(response) == expected
    assert len(expected) == len(workspace.members)
