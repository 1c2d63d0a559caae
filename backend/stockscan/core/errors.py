"""One error format for the whole API: `{"code": "UPPER_SNAKE", "detail": "...", ...extra}`.

Each app declares its codes as one `StrEnum` in its `errors.py` (`<App>ErrorCode`) and its
errors as `ApiError` subclasses carrying a member of it; `ErrorCode` here holds the codes of
core's own mechanisms. Every exception, expected or not, leaves the API through
`api_exception_handler`.
"""

import logging
from enum import StrEnum

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopeError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback
from rest_framework_simplejwt.exceptions import InvalidToken

logger = logging.getLogger("stockscan.errors")


class ErrorCode(StrEnum):
    """The codes of core's mechanisms: DRF's errors, months, webhook signatures, idempotency keys."""

    VALIDATION_ERROR = "VALIDATION_ERROR"
    MALFORMED_JSON = "MALFORMED_JSON"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    TOKEN_INVALID = "TOKEN_INVALID"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    CONFLICT = "CONFLICT"
    OBJECT_IN_USE = "OBJECT_IN_USE"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    THROTTLED = "THROTTLED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    INVALID_MONTH = "INVALID_MONTH"
    WEBHOOK_SIGNATURE_INVALID = "WEBHOOK_SIGNATURE_INVALID"
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


class ApiError(exceptions.APIException):
    """An error with a stable code, a translated sentence and optional extra fields."""

    status_code = status.HTTP_400_BAD_REQUEST
    error_code: StrEnum = ErrorCode.VALIDATION_ERROR
    default_detail = _("The request could not be processed.")

    def __init__(self, detail=None, *, code: StrEnum | None = None, status_code: int | None = None, **extra):
        super().__init__(detail if detail is not None else self.default_detail)
        if code is not None:
            self.error_code = code
        if status_code is not None:
            self.status_code = status_code
        self.extra = extra


class NotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    error_code = ErrorCode.NOT_FOUND
    default_detail = _("Not found.")


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    error_code = ErrorCode.CONFLICT
    default_detail = _("This conflicts with the current state of the resource.")


class ObjectInUse(Conflict):
    """A deletion that other rows prevent (on_delete=PROTECT or RESTRICT): a view that knows
    why says so with its own code; any other reaches the handler as this, never as a 500."""

    error_code = ErrorCode.OBJECT_IN_USE
    default_detail = _("Other records still use this item, so it cannot be deleted.")


class Forbidden(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    error_code = ErrorCode.PERMISSION_DENIED
    default_detail = _("You do not have permission to perform this action.")


class WebhookSignatureInvalid(ApiError):
    """A webhook whose signature cannot be verified: missing, malformed, stale (outside the
    sender's replay window), made with another key or over another body. One answer for
    every provider (Stripe, SendGrid) and every case, so a forger learns nothing from it.

    400, not 401 or 403: Stripe's documentation asks for a 400 when verification fails, and
    both providers treat any non-2xx answer as a failed delivery to retry, so the status is
    read by people, not by the sender; there is no credential for a 401 to challenge (no
    WWW-Authenticate scheme), and a 403 would mean a known caller without the right."""

    error_code = ErrorCode.WEBHOOK_SIGNATURE_INVALID
    default_detail = _("The webhook signature is missing, stale or does not match the body.")


def error_body(code: str, detail, **extra) -> dict:
    return {"code": str(code), "detail": str(detail), **extra}


def error_json_response(code: str, detail, status_code: int, **extra) -> JsonResponse:
    """For the few plain Django views and middleware that answer outside DRF."""
    return JsonResponse(error_body(code, detail, **extra), status=status_code)


# DRF's own exceptions, mapped to our codes (the first matching class wins).
_DRF_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (InvalidToken, ErrorCode.TOKEN_INVALID),
    (exceptions.NotAuthenticated, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ErrorCode.AUTHENTICATION_FAILED),
    (exceptions.PermissionDenied, ErrorCode.PERMISSION_DENIED),
    (exceptions.NotFound, ErrorCode.NOT_FOUND),
    (exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, ErrorCode.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ErrorCode.THROTTLED),
]


# simplejwt answers in English (its French catalogue is incomplete and not loaded): its
# messages, by meaning, in ours. Any other token message of its own says the token is not
# valid; a message of ours (already translated) is kept.
_TOKEN_MESSAGES = {
    "Token is blacklisted": _("This session has ended. Log in again."),
    "User not found": _("This account no longer exists."),
    "User is inactive": _("This account is disabled."),
    "The user's password has been changed.": _("Your password has been changed. Log in again."),
}
_SIMPLEJWT_INVALID = (
    "Given token not valid for any token type",
    "Token is invalid",
    "Token is expired",
    "Token is invalid or expired",
    "Token has no id",
    "Token has no type",
    "Token has wrong type",
    "Token contained no recognizable user identification",
    "Authorization header must contain two space-delimited values",
)
_TOKEN_INVALID = _("Your session is invalid or has expired. Log in again.")


def _token_message(message: str) -> str:
    if message in _TOKEN_MESSAGES:
        return _TOKEN_MESSAGES[message]
    if message in _SIMPLEJWT_INVALID or message.startswith("Token has no '") or message.endswith("claim has expired"):
        return _TOKEN_INVALID
    return message


# PostgreSQL's SQLSTATE classes of a refused or lost connection (08) and of a server shutting
# down or starting up (57P); psycopg gives none when it could not reach the server at all.
_UNREACHABLE_SQLSTATES = ("08", "57P")


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (as opposed to a query it refused).
    Nothing is to be done but wait: the next request connects again (conn_health_checks)."""
    if isinstance(exc, InterfaceError):
        return True
    cause = exc.__cause__
    if not isinstance(exc, OperationalError) or not hasattr(cause, "sqlstate"):
        return False
    return cause.sqlstate is None or cause.sqlstate.startswith(_UNREACHABLE_SQLSTATES)


def database_unavailable_body() -> dict:
    return error_body(
        ErrorCode.DATABASE_UNAVAILABLE, _("The service is temporarily unavailable. Please try again in a moment.")
    )


def _flatten_detail(detail) -> str:
    if isinstance(detail, dict):
        detail = detail.get("detail", next(iter(detail.values()), ""))
    if isinstance(detail, list):
        detail = detail[0] if detail else ""
    return str(detail)


def _validation_fields(detail) -> dict:
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = ObjectInUse()

    if isinstance(exc, ApiError):
        body = error_body(exc.error_code, exc.detail, **exc.extra)
    elif isinstance(exc, exceptions.ValidationError):
        body = error_body(ErrorCode.VALIDATION_ERROR, _("Invalid input."), fields=_validation_fields(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        body = error_body(ErrorCode.MALFORMED_JSON, _("The request body is not valid JSON."))
    elif isinstance(exc, exceptions.APIException):
        code = next((code for cls, code in _DRF_CODES if isinstance(exc, cls)), ErrorCode.VALIDATION_ERROR)
        extra = {"retry_after": exc.wait} if isinstance(exc, exceptions.Throttled) and exc.wait else {}
        detail = _flatten_detail(exc.detail)
        if code in (ErrorCode.TOKEN_INVALID, ErrorCode.AUTHENTICATION_FAILED):
            detail = _token_message(detail)
        body = error_body(code, detail, **extra)
    elif database_unavailable(exc):
        logger.error("Database unreachable in %s (%s)", context.get("view").__class__.__name__, exc.__class__.__name__)
        set_rollback()
        return Response(database_unavailable_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE)
    else:
        if isinstance(exc, ScopeError):
            logger.error("Tenant scope missing for a query: this is a bug in the view.", exc_info=exc)
        else:
            logger.error("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        set_rollback()
        return Response(
            error_body(ErrorCode.INTERNAL_ERROR, _("An unexpected error occurred. It has been logged.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()
    response = Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, ApiError) and exc.status_code >= 500:
        # An answer we chose (an outside service down or not configured), not a bug: logged
        # once, as a warning with its code, instead of Django's ERROR for every 5xx.
        logger.warning("Answered %s %s", exc.status_code, exc.error_code)
        response._has_been_logged = True
    return response
