from django.db.models.functions import Lower
from django.utils import timezone

from stockscan.exports.models import EmailedExport, EmailedExportStatus
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


def due_emailed_export_ids(*, limit: int = 100) -> list[int]:
    """Emailed exports waiting for an attempt whose time has come (the sweeper's work)."""
    return list(
        EmailedExport.objects.with_scopes_disabled()
        .filter(status=EmailedExportStatus.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
