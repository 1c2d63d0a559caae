from django_scopes import scopes_disabled

from stockscan.orgs.models import Membership, MembershipStatus


def user_memberships(*, user) -> list[Membership]:
    """The user's active memberships in every tenant: the one read that crosses tenants,
    by design, since it is how a user finds the tenants they belong to."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
            .select_related("tenant")
            .order_by("created_at", "id")
        )


def current_membership(memberships: list[Membership], requested_tenant_id) -> Membership | None:
    if requested_tenant_id:
        return next((m for m in memberships if str(m.tenant_id) == str(requested_tenant_id).strip()), None)
    return memberships[0] if memberships else None
