import hashlib

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.core.activity import activity_actions
from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import Limit
from stockscan.entitlements.selectors import effective_plan
from stockscan.entitlements.usage import count_usage
from stockscan.orgs.models import Invitation, InvitationStatus, Membership, MembershipStatus, Role, Service
from stockscan.orgs.tenancy.resolution import visible_services

# Raw tokens are 43 characters; anything much longer is not one of ours and is not hashed.
MAX_TOKEN_LENGTH = 128


def service_list(*, membership: Membership):
    return visible_services(membership).order_by("name", "id")


def membership_list(*, tenant, viewer: Membership):
    """The members `viewer` may see: all of them, or, for a member limited to one service,
    that service's members and the owners (who answer for every service) — not the other
    services' staff, their email addresses and last logins."""
    members = Membership.objects.filter(tenant=tenant)
    if viewer.service_id is not None:
        members = members.filter(Q(service_id=viewer.service_id) | Q(role=Role.OWNER))
    return members.select_related("user", "service").order_by("created_at", "id")


def service_count(tenant) -> int:
    return Service.objects.filter(tenant=tenant).count()


def seats_used(tenant) -> int:
    """What max_users caps: active members plus pending invitations that can still be
    accepted, counted in one query."""
    members = Membership.objects.filter(tenant=tenant, status=MembershipStatus.ACTIVE).order_by().values_list("pk")
    invitations = (
        Invitation.objects.filter(tenant=tenant, status=InvitationStatus.PENDING, expires_at__gt=timezone.now())
        .order_by()
        .values_list("pk")
    )
    return members.union(invitations, all=True).count()


def invitation_list(*, tenant, viewer: Membership):
    """The invitations `viewer` may see: all of them, or those to the viewer's own service."""
    invitations = Invitation.objects.filter(tenant=tenant)
    if viewer.service_id is not None:
        invitations = invitations.filter(service_id=viewer.service_id)
    return invitations.select_related("service", "invited_by", "email_message")


def pending_invitation_list(*, tenant, viewer: Membership):
    """Pending invitations, the expired ones included (shown as expired until re-sent or revoked)."""
    return (
        invitation_list(tenant=tenant, viewer=viewer)
        .filter(status=InvitationStatus.PENDING)
        .order_by("created_at", "id")
    )


def token_digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def invitation_by_token(raw_token) -> Invitation | None:
    """The invitation a link's token opens, whatever its tenant (the link is how a person who
    is not a member yet reaches it), or None. Whether it may still be used is the caller's
    question (`Invitation.is_open`)."""
    if not isinstance(raw_token, str) or not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        return None
    return (
        Invitation.objects.with_scopes_disabled()
        .select_related("tenant", "service", "invited_by")
        .filter(token_hash=token_digest(raw_token))
        .first()
    )


def account_exists(email: str) -> bool:
    return get_user_model()._default_manager.filter(email__iexact=email).exists()


def members_summary(*, tenant, viewer: Membership) -> dict:
    """Members and pending invitations `viewer` may see, and seats: used counts exactly what
    the max_users limit counts (active members and open invitations, of every service),
    through the same counters."""
    return {
        "members": list(membership_list(tenant=tenant, viewer=viewer)),
        "invitations": list(pending_invitation_list(tenant=tenant, viewer=viewer)),
        "seats": {
            "used": count_usage(tenant, Limit.MAX_USERS),
            "allowed": effective_plan(tenant).limit(Limit.MAX_USERS),
        },
    }


def user_memberships(*, user) -> list[Membership]:
    """The user's active memberships in every tenant: the one read that crosses tenants,
    by design, since it is how a user finds the tenants they belong to."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
            .select_related("tenant")
            .order_by("created_at", "id")
        )


def activity_list(*, tenant, actor_id: int | None = None, kind: str | None = None):
    """The business's audit rows that the activity feed can put in words, newest first."""
    entries = AuditEntry.objects.filter(tenant=tenant, action__in=activity_actions()).select_related("actor")
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if kind:
        entries = entries.filter(action__startswith=f"{kind}.")
    return entries.order_by("-created_at", "-id")
