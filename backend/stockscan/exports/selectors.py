import hashlib

from django.db.models.functions import Lower

from stockscan.exports.models import HELD_STATUSES, ExportRecipient, ExportRecipientStatus
from stockscan.orgs.models import Membership, MembershipStatus

# Raw tokens are 43 characters; anything much longer is not one of ours and is not hashed.
MAX_TOKEN_LENGTH = 128


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


# --- Outside recipients


def recipient_list(*, tenant):
    """The business's outside recipients, confirmed or waiting (removed ones are history)."""
    return ExportRecipient.objects.filter(tenant=tenant, status__in=HELD_STATUSES).select_related("added_by")


def confirmed_recipients_by_email(*, tenant, emails: list[str]) -> dict[str, ExportRecipient]:
    recipients = (
        ExportRecipient.objects.filter(tenant=tenant, status=ExportRecipientStatus.CONFIRMED)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=[email.lower() for email in emails])
    )
    return {recipient.email_lower: recipient for recipient in recipients}


def confirmed_outside_recipients(*, job) -> list[ExportRecipient]:
    """The outside recipients of an emailed export still confirmed (not removed since)."""
    return list(
        ExportRecipient.objects.filter(
            tenant_id=job.tenant_id,
            status=ExportRecipientStatus.CONFIRMED,
            pk__in=job.outside_recipients.values("pk"),
        ).order_by("id")
    )


def token_digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def recipient_by_token(raw_token) -> ExportRecipient | None:
    """The recipient a confirmation link's token names, whatever its tenant (the link is how
    someone outside the business reaches it), or None."""
    if not isinstance(raw_token, str) or not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        return None
    return (
        ExportRecipient.objects.with_scopes_disabled()
        .select_related("tenant")
        .filter(token_hash=token_digest(raw_token))
        .first()
    )
