from django.db.models.functions import Lower

from stockscan.orgs.models import Membership, MembershipStatus


def active_memberships_by_email(*, tenant, emails: list[str]) -> dict[str, Membership]:
    """The tenant's active members with these addresses (compared without regard to case, as
    accounts are unique), keyed by the lower-cased address."""
    memberships = (
        Membership.objects.filter(tenant=tenant, status=MembershipStatus.ACTIVE)
        .annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in=[email.lower() for email in emails])
        .select_related("user")
    )
    return {membership.email_lower: membership for membership in memberships}


def active_recipients(*, job) -> list[Membership]:
    """The recipients of an emailed export who are still active members of its tenant."""
    return list(
        Membership.objects.filter(
            tenant_id=job.tenant_id,
            status=MembershipStatus.ACTIVE,
            user__in=job.recipients.all(),
        )
        .select_related("user")
        .order_by("id")
    )
