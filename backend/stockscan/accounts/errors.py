from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError, Conflict


class AccountsErrorCode(StrEnum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    RESET_TOKEN_INVALID = "RESET_TOKEN_INVALID"
    ACCOUNT_EXISTS = "ACCOUNT_EXISTS"
    EMAIL_CHANGE_TOKEN_INVALID = "EMAIL_CHANGE_TOKEN_INVALID"


class InvalidCredentials(ApiError):
    status_code = 401
    error_code = AccountsErrorCode.INVALID_CREDENTIALS
    default_detail = _("Incorrect username, email or password.")


class ResetTokenInvalid(ApiError):
    error_code = AccountsErrorCode.RESET_TOKEN_INVALID
    default_detail = _("This password reset link is invalid or has already been used.")


class AccountConflict(Conflict):
    error_code = AccountsErrorCode.ACCOUNT_EXISTS
    default_detail = _("An account with this username or email already exists.")


class EmailChangeTokenInvalid(ApiError):
    """Unknown, expired, voided or used: one answer, so a link's fate is never told."""

    error_code = AccountsErrorCode.EMAIL_CHANGE_TOKEN_INVALID
    default_detail = _("This email confirmation link is invalid, has expired or has already been used.")
