from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from stockscan.core.errors import ApiError, ErrorCode, Forbidden


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
