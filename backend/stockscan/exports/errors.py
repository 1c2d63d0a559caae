from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from stockscan.core.errors import ApiError, Conflict, ErrorCode, Forbidden


class ExportsErrorCode(StrEnum):
    INVALID_MONTH_RANGE = "INVALID_MONTH_RANGE"
    MONTH_RANGE_TOO_LONG = "MONTH_RANGE_TOO_LONG"


class InvalidMonthRange(ApiError):
    error_code = ExportsErrorCode.INVALID_MONTH_RANGE
    default_detail = _("The first month (from) must not come after the last one (to).")


class MonthRangeTooLong(ApiError):
    error_code = ExportsErrorCode.MONTH_RANGE_TOO_LONG
    default_detail = _("An export covers at most %(months)s months.")

    def __init__(self, *, months: int):
        super().__init__(self.default_detail % {"months": months}, max_months=months)


class ExportEmailsThrottled(ApiError):
    """Too many emailed exports for this business in the last hour (the per-tenant limit)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    error_code = ErrorCode.THROTTLED

    def __init__(self, *, limit: int, wait: int):
        super().__init__(
            _("Your business sent %(limit)s exports by email in the last hour. Try again later.") % {"limit": limit},
            retry_after=wait,
        )
        # Read by the exception handler to set the Retry-After header.
        self.wait = wait


class ExporterNotAllowed(Forbidden):
    """The member who asked for an emailed export can no longer export (removed, role changed)."""

    default_detail = _("The member who asked for this export is no longer allowed to export.")


class NoRecipientLeft(Forbidden):
    default_detail = _("None of the recipients of this export is still a member of the business.")


# --- Outside recipients and emailed exports


class RecipientsErrorCode(StrEnum):
    RECIPIENT_NOT_ALLOWED = "RECIPIENT_NOT_ALLOWED"
    EMAIL_NEEDS_POST = "EMAIL_NEEDS_POST"
    RECIPIENT_LIMIT_REACHED = "RECIPIENT_LIMIT_REACHED"
    RECIPIENT_ALREADY_ADDED = "RECIPIENT_ALREADY_ADDED"
    RECIPIENT_IS_MEMBER = "RECIPIENT_IS_MEMBER"
    RECIPIENT_NOT_PENDING = "RECIPIENT_NOT_PENDING"
    RECIPIENT_SEND_LIMIT = "RECIPIENT_SEND_LIMIT"
    RECIPIENT_RATE_LIMITED = "RECIPIENT_RATE_LIMITED"
    RECIPIENT_LINK_INVALID = "RECIPIENT_LINK_INVALID"


class RecipientNotAllowed(ApiError):
    """An emailed export goes only to active members who may see all of it, or to the
    business's confirmed outside recipients; `fields.email` says which address is refused."""

    error_code = RecipientsErrorCode.RECIPIENT_NOT_ALLOWED
    default_detail = _("An export is emailed only to members of the business or to its confirmed recipients.")

    def __init__(self, *, problems: list[str]):
        super().__init__(fields={"email": problems})


class EmailNeedsPost(ApiError):
    error_code = RecipientsErrorCode.EMAIL_NEEDS_POST
    default_detail = _("A GET only downloads the file. To email an export, send POST /api/exports/ with email.")


class RecipientLimitReached(Conflict):
    error_code = RecipientsErrorCode.RECIPIENT_LIMIT_REACHED

    def __init__(self, *, limit: int):
        super().__init__(
            _("A business has at most %(limit)s outside recipients. Remove one to add another.") % {"limit": limit},
            limit=limit,
        )


class RecipientAlreadyAdded(Conflict):
    error_code = RecipientsErrorCode.RECIPIENT_ALREADY_ADDED
    default_detail = _("This address is already a recipient of the business's exports.")


class RecipientIsMember(Conflict):
    error_code = RecipientsErrorCode.RECIPIENT_IS_MEMBER
    default_detail = _("This address belongs to a member of the business, who can receive exports already.")


class RecipientNotPending(Conflict):
    error_code = RecipientsErrorCode.RECIPIENT_NOT_PENDING
    default_detail = _("This recipient has already confirmed their address.")


class RecipientSendLimit(Conflict):
    """A confirmation link is emailed at most MAX_SENDS times to one recipient."""

    error_code = RecipientsErrorCode.RECIPIENT_SEND_LIMIT

    def __init__(self, *, limit: int):
        super().__init__(
            _("The confirmation link was already sent %(limit)s times. Remove this recipient and add it again later.")
            % {"limit": limit},
            limit=limit,
        )


class RecipientResendTooSoon(ApiError):
    """Same code and headers as DRF's throttles, so a client handles both alike."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    error_code = ErrorCode.THROTTLED

    def __init__(self, *, wait_seconds: int):
        super().__init__(
            _("The confirmation link was sent a moment ago. You can send it again in %(minutes)s minute(s).")
            % {"minutes": max(1, -(-wait_seconds // 60))},
            retry_after=wait_seconds,
        )
        self.wait = wait_seconds


class RecipientRateLimited(ApiError):
    """Confirmation links are emails to strangers: a business adds at most
    EXPORT_RECIPIENTS_PER_DAY recipients in any 24 hours, removed ones included."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    error_code = RecipientsErrorCode.RECIPIENT_RATE_LIMITED

    def __init__(self, *, limit: int, wait_seconds: int):
        super().__init__(
            _("Your business added %(limit)s recipients in the last 24 hours. Try again later.") % {"limit": limit},
            limit=limit,
            retry_after=wait_seconds,
        )
        self.wait = wait_seconds


class RecipientLinkInvalid(ApiError):
    """Unknown, expired, already used or removed: one answer, so a token's fate is never told."""

    status_code = status.HTTP_410_GONE
    error_code = RecipientsErrorCode.RECIPIENT_LINK_INVALID
    default_detail = _("This confirmation link is invalid, has expired or has already been used.")
