"""Who may do what on the tenant routes: one table, role by action.

Roles come from `workspace` (tenant A): owner, manager, operator, and `operator_bar`, an
operator limited to the bar service; plus `outsider` (no membership at all) and an anonymous
client. `other_workspace` (tenant B) has data of its own that must never show through.
Permissions are declared on the views and granted in stockscan/core/permissions.py.
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
from tests.backend.core.api_routes import listed_ids
from tests.backend.core.responses import assert_error, assert_json, send
from tests.conftest import Workspace, client_for
from tests.factories import InvitationFactory
from tests.plans import set_plan


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


@pytest.fixture(autouse=True)
def _plan_with_room(workspace):
    """Plan limits are not what this table is about: PRO leaves room for a third service."""
    set_plan(workspace.tenant, PlanCode.PRO)


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
def test_service_list_shows_what_the_membership_allows(workspace, other_workspace, role, visible):
    response = workspace.client(role).get("/api/auth/services/")

    assert response.status_code == 200
    expected = {getattr(workspace, name).pk for name in visible}
    assert listed_ids(response) == expected


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_member_list_shows_only_the_tenants_members(workspace, other_workspace, role):
    response = workspace.client(role).get("/api/auth/memberships/")

    assert response.status_code == 200
    with scopes_disabled():
        expected = set(Membership.objects.filter(tenant=workspace.tenant).values_list("pk", flat=True))
    assert listed_ids(response) == expected
    assert len(expected) == len(workspace.members)
