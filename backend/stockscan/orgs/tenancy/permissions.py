"""Who may do what: each view declares the permission it needs per action, this module
says which roles hold it, and `TenantRolePermission` checks it — the one place it happens."""

from enum import StrEnum

from rest_framework.permissions import BasePermission

from stockscan.orgs.models import Role


class Perm(StrEnum):
    VIEW_TENANT = "view_tenant"
    MANAGE_TENANT = "manage_tenant"
    VIEW_SERVICES = "view_services"
    MANAGE_SERVICES = "manage_services"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_BILLING = "manage_billing"
    VIEW_CATALOG = "view_catalog"
    MANAGE_CATALOG = "manage_catalog"
    COUNT_STOCK = "count_stock"
    MANAGE_COUNTS = "manage_counts"
    RECORD_LOSSES = "record_losses"
    VIEW_STATS = "view_stats"
    EXPORT_DATA = "export_data"
    VIEW_ACTIVITY = "view_activity"
    # The credit book: operators read it and record credits and payments; owners and managers
    # also reverse entries, change limits, archive customers and regenerate access codes.
    VIEW_CREDITS = "view_credits"
    RECORD_CREDITS = "record_credits"
    MANAGE_CREDITS = "manage_credits"


_MANAGER_PERMS = {
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
    Perm.VIEW_CREDITS,
    Perm.RECORD_CREDITS,
    Perm.MANAGE_CREDITS,
}
_OPERATOR_PERMS = {
    Perm.VIEW_TENANT,
    Perm.VIEW_SERVICES,
    Perm.VIEW_CATALOG,
    Perm.COUNT_STOCK,
    Perm.RECORD_LOSSES,
    Perm.VIEW_CREDITS,
    Perm.RECORD_CREDITS,
}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.MANAGER: frozenset(_MANAGER_PERMS),
    Role.OPERATOR: frozenset(_OPERATOR_PERMS),
}


def crud_permissions(*, read: Perm, write: Perm) -> dict[str, Perm]:
    """The permission map of a read/write viewset."""
    return {
        "list": read,
        "retrieve": read,
        "create": write,
        "update": write,
        "partial_update": write,
        "destroy": write,
    }


def sees_purchase_costs(membership) -> bool:
    """Owners and managers always do; operators unless the business hides costs from them
    (`Tenant.operators_see_costs`), in which case no answer to them holds a purchase cost or
    a value computed from one."""
    return membership.role != Role.OPERATOR or membership.tenant.operators_see_costs


def role_has(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def required_permission(view, request) -> Perm | None:
    """A view declares `permissions = {"list": Perm.X, "create": ..., "GET": ...}`,
    keyed by viewset action or by HTTP method."""
    declared = getattr(view, "permissions", {})
    action = getattr(view, "action", None)
    if action and action in declared:
        return declared[action]
    return declared.get(request.method)


class TenantRolePermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        perm = required_permission(view, request)
        if perm is None:
            # No handler for this method: let DRF answer 405, since nothing would run.
            # A view that has a handler but forgot to declare its permission is closed.
            return not hasattr(view, request.method.lower())
        return role_has(request.membership.role, perm)
