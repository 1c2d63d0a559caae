"""The permission table (stockscan.orgs.tenancy.permissions), written out role by role.

Giving a role a permission, or taking one away, is a decision about who may do what: it is
made twice, there and here, so that it is never made by accident. The generated role matrix
(tests/backend/core/test_permissions_matrix.py) reads the table to know what to expect, so
only this test can see the table itself change.
"""

from types import SimpleNamespace

import pytest

from stockscan.orgs.models import Role
from stockscan.orgs.tenancy.permissions import (
    ROLE_PERMISSIONS,
    Perm,
    TenantRolePermission,
    crud_permissions,
    required_permission,
    role_has,
)

EXPECTED = {
    Role.OWNER: {
        Perm.VIEW_TENANT,
        Perm.MANAGE_TENANT,
        Perm.VIEW_SERVICES,
        Perm.MANAGE_SERVICES,
        Perm.VIEW_MEMBERS,
        Perm.MANAGE_MEMBERS,
        Perm.MANAGE_BILLING,
        Perm.VIEW_CATALOG,
        Perm.MANAGE_CATALOG,
        Perm.COUNT_STOCK,
        Perm.MANAGE_COUNTS,
        Perm.RECORD_LOSSES,
        Perm.VIEW_STATS,
        Perm.EXPORT_DATA,
        Perm.VIEW_ACTIVITY,
        Perm.VIEW_CREDITS,
        Perm.RECORD_CREDITS,
        Perm.MANAGE_CREDITS,
    },
    # Data, exports and stats; members and billing stay the owner's (DESIGN.md, "Tenancy and roles").
    Role.MANAGER: {
        Perm.VIEW_TENANT,
        Perm.VIEW_SERVICES,
        Perm.MANAGE_SERVICES,
        Perm.VIEW_MEMBERS,
        Perm.VIEW_CATALOG,
        Perm.MANAGE_CATALOG,
        Perm.COUNT_STOCK,
        Perm.MANAGE_COUNTS,
        Perm.RECORD_LOSSES,
        Perm.VIEW_STATS,
        Perm.EXPORT_DATA,
        Perm.VIEW_ACTIVITY,
        # The credit book: also reversing entries, limits, archiving, access codes, settings.
        Perm.VIEW_CREDITS,
        Perm.RECORD_CREDITS,
        Perm.MANAGE_CREDITS,
    },
    # Counting and losses on its services, and reading what that needs; in the credit book,
    # recording credits and payments.
    Role.OPERATOR: {
        Perm.VIEW_TENANT,
        Perm.VIEW_SERVICES,
        Perm.VIEW_CATALOG,
        Perm.COUNT_STOCK,
        Perm.RECORD_LOSSES,
        Perm.VIEW_CREDITS,
        Perm.RECORD_CREDITS,
    },
}


def test_every_role_is_in_the_table():
    assert set(ROLE_PERMISSIONS) == set(Role.values) == set(EXPECTED)


@pytest.mark.parametrize("role", Role.values)
def test_each_role_holds_exactly_its_permissions(role):
    held = set(ROLE_PERMISSIONS[role])

    assert held == EXPECTED[role], f"{role} also holds {held - EXPECTED[role]}; lacks {EXPECTED[role] - held}"


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("perm", list(Perm))
def test_role_has_reads_the_table(role, perm):
    assert role_has(role, perm) is (perm in EXPECTED[role])


@pytest.mark.parametrize("perm", list(Perm))
def test_an_unknown_role_holds_nothing(perm):
    assert not role_has("accountant", perm)
    assert not role_has("", perm)


def test_crud_permissions_read_for_reads_and_write_for_writes():
    assert crud_permissions(read=Perm.VIEW_CATALOG, write=Perm.MANAGE_CATALOG) == {
        "list": Perm.VIEW_CATALOG,
        "retrieve": Perm.VIEW_CATALOG,
        "create": Perm.MANAGE_CATALOG,
        "update": Perm.MANAGE_CATALOG,
        "partial_update": Perm.MANAGE_CATALOG,
        "destroy": Perm.MANAGE_CATALOG,
    }


def _view(permissions: dict, action: str | None = None, **handlers):
    return SimpleNamespace(permissions=permissions, action=action, **handlers)


def _request(method: str, role: str):
    return SimpleNamespace(method=method, membership=SimpleNamespace(role=role))


@pytest.mark.parametrize(
    ("permissions", "action", "method", "required"),
    [
        ({"close": Perm.MANAGE_COUNTS, "POST": Perm.COUNT_STOCK}, "close", "POST", Perm.MANAGE_COUNTS),
        ({"GET": Perm.VIEW_STATS}, None, "GET", Perm.VIEW_STATS),
        ({"list": Perm.VIEW_CATALOG, "POST": Perm.COUNT_STOCK}, "create", "POST", Perm.COUNT_STOCK),
        ({"list": Perm.VIEW_CATALOG}, "destroy", "DELETE", None),
        ({}, None, "GET", None),
    ],
    ids=["action-first", "method", "method-when-action-undeclared", "undeclared-action", "nothing-declared"],
)
def test_required_permission_is_the_actions_then_the_methods(permissions, action, method, required):
    assert required_permission(_view(permissions, action), _request(method, Role.OWNER)) == required


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.OWNER, True), (Role.MANAGER, True), (Role.OPERATOR, False), ("accountant", False)]
)
def test_the_permission_class_grants_what_the_role_holds(role, allowed):
    view = _view({"GET": Perm.EXPORT_DATA}, get=lambda request: None)

    assert TenantRolePermission().has_permission(_request("GET", role), view) is allowed


def test_a_handler_without_a_declared_permission_is_closed_to_everyone():
    view = _view({"GET": Perm.VIEW_TENANT}, get=lambda request: None, post=lambda request: None)

    assert not TenantRolePermission().has_permission(_request("POST", Role.OWNER), view)


def test_a_method_without_a_handler_is_left_to_the_405():
    view = _view({"GET": Perm.VIEW_TENANT}, get=lambda request: None)

    assert TenantRolePermission().has_permission(_request("DELETE", Role.OPERATOR), view)
