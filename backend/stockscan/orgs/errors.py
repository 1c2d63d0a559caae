from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError, Conflict, ErrorCode, Forbidden


class OrgsErrorCode(StrEnum):
    SERVICE_NAME_TAKEN = "SERVICE_NAME_TAKEN"
    LAST_SERVICE = "LAST_SERVICE"
    SERVICE_HAS_MEMBERS = "SERVICE_HAS_MEMBERS"
    SERVICE_HAS_INVITATIONS = "SERVICE_HAS_INVITATIONS"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    INVITE_ALREADY_SENT = "INVITE_ALREADY_SENT"
    INVITATION_NOT_PENDING = "INVITATION_NOT_PENDING"
    INVITATION_INVALID = "INVITATION_INVALID"
    INVITATION_EMAIL_MISMATCH = "INVITATION_EMAIL_MISMATCH"
    INVITATION_LOGIN_REQUIRED = "INVITATION_LOGIN_REQUIRED"
    LAST_OWNER = "LAST_OWNER"
    SERVICE_REQUIRED = "SERVICE_REQUIRED"
    NO_TENANT_MEMBERSHIP = "NO_TENANT_MEMBERSHIP"
    SERVICE_HAS_DATA = "SERVICE_HAS_DATA"
    INVITATION_RATE_LIMITED = "INVITATION_RATE_LIMITED"
    INVITATION_SEND_LIMIT = "INVITATION_SEND_LIMIT"


class ServiceNameTaken(Conflict):
    error_code = OrgsErrorCode.SERVICE_NAME_TAKEN
    default_detail = _("A service with this name already exists.")


class LastServiceRequired(Conflict):
    error_code = OrgsErrorCode.LAST_SERVICE
    default_detail = _("An organisation keeps at least one service.")


class ServiceHasMembers(Conflict):
    error_code = OrgsErrorCode.SERVICE_HAS_MEMBERS
    default_detail = _("Members are limited to this service: give them another service first.")


class ServiceHasInvitations(Conflict):
    error_code = OrgsErrorCode.SERVICE_HAS_INVITATIONS
    default_detail = _("Pending invitations are limited to this service: revoke them first.")


class ServiceHasData(Conflict):
    error_code = OrgsErrorCode.SERVICE_HAS_DATA
    default_detail = _("This service has counts or losses, which are kept as history: it cannot be deleted.")


class AlreadyMember(Conflict):
    error_code = OrgsErrorCode.ALREADY_MEMBER
    default_detail = _("This person is already a member of the organisation.")


class InviteAlreadySent(Conflict):
    error_code = OrgsErrorCode.INVITE_ALREADY_SENT
    default_detail = _("An invitation is already pending for this address: resend it or revoke it.")


class InvitationNotPending(Conflict):
    error_code = OrgsErrorCode.INVITATION_NOT_PENDING
    default_detail = _("This invitation is no longer pending.")


class InvitationResendTooSoon(ApiError):
    """Same code and headers as DRF's throttles, so a client handles both alike."""

    status_code = 429
    error_code = ErrorCode.THROTTLED

    def __init__(self, *, wait_seconds: int):
        super().__init__(
            _("This invitation was sent a moment ago. You can send it again in %(minutes)s minute(s).")
            % {"minutes": max(1, -(-wait_seconds // 60))},
            retry_after=wait_seconds,
        )
        self.wait = wait_seconds


class InvitationRateLimited(ApiError):
    """Too many invitations: from this business in the last hour or day, or to this address
    from all businesses in the last day. Retry-After says when one is possible again."""

    status_code = 429
    error_code = OrgsErrorCode.INVITATION_RATE_LIMITED

    def __init__(self, detail, *, limit: int, wait_seconds: int):
        super().__init__(detail, limit=limit, retry_after=wait_seconds)
        # Read by the exception handler to set the Retry-After header.
        self.wait = wait_seconds

    @classmethod
    def per_hour(cls, *, limit: int, wait_seconds: int):
        message = _("Your organisation sent %(limit)s invitations in the last hour. Try again later.")
        return cls(message % {"limit": limit}, limit=limit, wait_seconds=wait_seconds)

    @classmethod
    def per_day(cls, *, limit: int, wait_seconds: int):
        message = _("Your organisation sent %(limit)s invitations in the last 24 hours. Try again later.")
        return cls(message % {"limit": limit}, limit=limit, wait_seconds=wait_seconds)

    @classmethod
    def per_address(cls, *, limit: int, wait_seconds: int):
        message = _("This address has received too many invitations in the last 24 hours. Try again later.")
        return cls(message, limit=limit, wait_seconds=wait_seconds)


class InvitationSendLimit(Conflict):
    """An invitation is emailed at most MAX_SENDS times: resending cannot email one address
    every ten minutes for a week."""

    error_code = OrgsErrorCode.INVITATION_SEND_LIMIT

    def __init__(self, *, limit: int):
        super().__init__(
            _("This invitation was already sent %(limit)s times. Revoke it and invite the person again if needed.")
            % {"limit": limit},
            limit=limit,
        )


class InvitationInvalid(ApiError):
    """Unknown, expired, revoked, declined or used: one answer, so a token's fate is never told."""

    status_code = 410
    error_code = OrgsErrorCode.INVITATION_INVALID
    default_detail = _("This invitation link is invalid, has expired or has already been used.")


class InvitationEmailMismatch(Forbidden):
    error_code = OrgsErrorCode.INVITATION_EMAIL_MISMATCH
    default_detail = _("This invitation was sent to another email address. Log in with that address to accept it.")


class InvitationLoginRequired(Conflict):
    error_code = OrgsErrorCode.INVITATION_LOGIN_REQUIRED
    default_detail = _("An account already uses this email address: log in with it, then accept the invitation.")


class LastOwner(Conflict):
    error_code = OrgsErrorCode.LAST_OWNER
    default_detail = _("An organisation keeps at least one owner: make someone else owner first.")
