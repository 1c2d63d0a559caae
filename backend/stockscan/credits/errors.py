from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError, Conflict, Forbidden, NotFound


class CreditsErrorCode(StrEnum):
    OVERPAYMENT = "OVERPAYMENT"
    CREDIT_LIMIT_EXCEEDED = "CREDIT_LIMIT_EXCEEDED"
    CUSTOMER_ARCHIVED = "CUSTOMER_ARCHIVED"
    ALREADY_REVERSED = "ALREADY_REVERSED"
    REVERSAL_NOT_REVERSIBLE = "REVERSAL_NOT_REVERSIBLE"
    ACCESS_CODE_INVALID = "ACCESS_CODE_INVALID"
    STATEMENT_LINK_INVALID = "STATEMENT_LINK_INVALID"
    NO_EMAIL = "NO_EMAIL"
    NOTHING_OWED = "NOTHING_OWED"
    MANAGER_ONLY = "MANAGER_ONLY"


class Overpayment(ApiError):
    error_code = CreditsErrorCode.OVERPAYMENT
    default_detail = _("This payment is more than the customer owes.")


class CreditLimitExceeded(Conflict):
    error_code = CreditsErrorCode.CREDIT_LIMIT_EXCEEDED
    default_detail = _("This credit takes the customer over their credit limit.")


class CustomerArchived(Conflict):
    error_code = CreditsErrorCode.CUSTOMER_ARCHIVED
    default_detail = _("This customer is archived: restore them before recording anything.")


class AlreadyReversed(Conflict):
    error_code = CreditsErrorCode.ALREADY_REVERSED
    default_detail = _("This entry has already been reversed.")


class ReversalNotReversible(ApiError):
    error_code = CreditsErrorCode.REVERSAL_NOT_REVERSIBLE
    default_detail = _("A reversal cannot be reversed: record the entry again instead.")


class ManagerOnly(Forbidden):
    error_code = CreditsErrorCode.MANAGER_ONLY
    default_detail = _("Only an owner or a manager can do this.")


class AccessCodeInvalid(NotFound):
    error_code = CreditsErrorCode.ACCESS_CODE_INVALID
    default_detail = _("This code does not open any account. Check it with the shop.")


class StatementLinkInvalid(NotFound):
    error_code = CreditsErrorCode.STATEMENT_LINK_INVALID
    default_detail = _("This statement link is invalid, has expired or was revoked. Ask the shop for a new one.")


class NoEmail(ApiError):
    error_code = CreditsErrorCode.NO_EMAIL
    default_detail = _("This customer has no email address.")


class NothingOwed(Conflict):
    error_code = CreditsErrorCode.NOTHING_OWED
    default_detail = _("This customer owes nothing.")
