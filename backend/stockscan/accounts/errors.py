from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError, Conflict


class InvalidCredentials(ApiError):
    status_code = 401
    error_code = "INVALID_CREDENTIALS"
    default_detail = _("Incorrect username, email or password.")


class ResetTokenInvalid(ApiError):
    error_code = "RESET_TOKEN_INVALID"
    default_detail = _("This password reset link is invalid or has already been used.")


class AccountConflict(Conflict):
    error_code = "ACCOUNT_EXISTS"
    default_detail = _("An account with this username or email already exists.")


class EmailChangeTokenInvalid(ApiError):
    """Unknown, expired, voided or used: one answer, so a link's fate is never told."""

    error_code = "EMAIL_CHANGE_TOKEN_INVALID"
    default_detail = _("This email confirmation link is invalid, has expired or has already been used.")
