"""Invitations: an owner invites an email address; the person accepts (with a new account, or
logged in with the invited address) or declines through the link.

The link is `FRONTEND_URL/invitations/accept?token=<raw token>`; the SPA page at that path
previews the invitation (GET /api/auth/invitations/accept/?token=) and accepts or declines it.
Only the token's SHA-256 is stored. Every state change is a conditional UPDATE on the
invitation's status, so a link is used once even when it is submitted many times at once.
"""

import logging
import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django_scopes import scope

from stockscan.accounts.services import user_create
from stockscan.core.audit import audit_record
from stockscan.core.logging import mask_personal_data
from stockscan.entitlements.enforcement import check_count_limit
from stockscan.entitlements.plans import Limit
from stockscan.mail.services import email_queue
from stockscan.orgs.errors import (
    AlreadyMember,
    InvitationEmailMismatch,
    InvitationInvalid,
    InvitationLoginRequired,
    InvitationNotPending,
    InvitationRateLimited,
    InvitationResendTooSoon,
    InvitationSendLimit,
    InviteAlreadySent,
)
from stockscan.orgs.models import Invitation, InvitationStatus, Membership, Role, Service, Tenant
from stockscan.orgs.selectors import account_exists, invitation_by_token, token_digest
from stockscan.orgs.services.organisation import check_owner_has_no_service

logger = logging.getLogger("stockscan.orgs")
User = get_user_model()

INVITATION_LIFETIME = timedelta(days=7)
RESEND_INTERVAL = timedelta(minutes=10)
# Emails one invitation may cause: the first and two resends.
MAX_SENDS = 3
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
ACCEPT_PATH = "/invitations/accept"


def invitation_link(raw_token: str) -> str:
    return f"{settings.FRONTEND_URL}{ACCEPT_PATH}?token={raw_token}"


def _new_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)  # 256 bits
    return raw, token_digest(raw)


def _display_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _send_link(invitation: Invitation, raw_token: str, actor) -> str | None:
    """Emails the link through the outbox, or, when invitation emails are off, hands it back
    for the owner to share (the only other place a raw token ever appears)."""
    link = invitation_link(raw_token)
    if not settings.INVITATIONS_SEND_EMAILS:
        logger.warning(
            "Invitation emails are off (INVITATIONS_SEND_EMAILS=false): invitation #%s to %s was not "
            "emailed; its link was given to the owner.",
            invitation.pk,
            mask_personal_data(invitation.email),
        )
        return link
    tenant = invitation.tenant
    with translation.override(tenant.locale):
        role = str(Role(invitation.role).label)
    invitation.email_message = email_queue(
        to=invitation.email,
        template="orgs/invitation",
        language=tenant.locale,
        tenant=tenant,
        context={
            "tenant_name": tenant.name,
            "inviter_name": _display_name(actor),
            "role": role,
            "service_name": invitation.service.name if invitation.service_id else "",
            "link": link,
            "days": INVITATION_LIFETIME.days,
        },
    )
    invitation.save(update_fields=["email_message", "updated_at"])
    return None


def _wait_seconds(created: list, limit: int, window: timedelta, now) -> int:
    """Seconds until the window holds fewer than `limit` of these creation times (newest first)."""
    freeing = created[limit - 1]
    return max(1, math.ceil((freeing + window - now).total_seconds()))


# The first key of the advisory locks taken on an invited address (the second is its hash).
ADDRESS_LOCK_SPACE = 0x1AB17E


def _lock_address(email: str) -> None:
    """Serialises the invitations of one address from every business until the transaction
    ends, so the per-address limit holds across concurrent requests too. PostgreSQL only
    (SQLite runs one write transaction at a time anyway); taken after the tenant row lock
    and before nothing else, so it cannot close a cycle of waits."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [ADDRESS_LOCK_SPACE, email.lower()])


def _check_invitation_rate(tenant: Tenant, email: str, now) -> None:
    """Invitations are emails to strangers sent from our verified sender: at most
    INVITATIONS_PER_TENANT_PER_HOUR and _PER_DAY per business, whatever became of them
    (inviting then revoking still sends an email), and INVITATIONS_PER_ADDRESS_PER_DAY to one
    address from all businesses. Counted from the rows, never a cache, so the limits hold
    across processes; the tenant row is locked first, so a business's concurrent invitations
    are counted one after the other and exactly the allowance gets through (and an
    address's, under an advisory lock on it)."""
    Tenant.objects.select_for_update().filter(pk=tenant.pk).values_list("pk", flat=True).first()
    for limit, window, refusal in (
        (settings.INVITATIONS_PER_TENANT_PER_HOUR, HOUR, InvitationRateLimited.per_hour),
        (settings.INVITATIONS_PER_TENANT_PER_DAY, DAY, InvitationRateLimited.per_day),
    ):
        created = list(
            Invitation.objects.filter(tenant=tenant, created_at__gt=now - window)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(created) >= limit:
            raise refusal(limit=limit, wait_seconds=_wait_seconds(created, limit, window, now))
    limit = settings.INVITATIONS_PER_ADDRESS_PER_DAY
    _lock_address(email)
    received = list(
        Invitation.objects.with_scopes_disabled()
        .filter(email__iexact=email, created_at__gt=now - DAY)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(received) >= limit:
        raise InvitationRateLimited.per_address(limit=limit, wait_seconds=_wait_seconds(received, limit, DAY, now))


def _pending(tenant: Tenant, email: str):
    return Invitation.objects.filter(tenant=tenant, email__iexact=email, status=InvitationStatus.PENDING)


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, actor, email: str, role: str, service: Service | None = None
) -> tuple[Invitation, str | None]:
    """Invites `email` to join `tenant` as `role`. Returns the invitation, and its link when
    invitation emails are off (None when it was emailed)."""
    check_owner_has_no_service(role=role, service=service)
    email = User._default_manager.normalize_email(email.strip())
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise AlreadyMember()
    now = timezone.now()
    # A pending invitation past its expiry frees its address (and its seat) for a new one.
    _pending(tenant, email).filter(expires_at__lte=now).update(status=InvitationStatus.EXPIRED, updated_at=now)
    existing = _pending(tenant, email).first()
    if existing is not None:
        raise InviteAlreadySent(invitation=existing.pk)
    _check_invitation_rate(tenant, email, now)
    check_count_limit(tenant, Limit.MAX_USERS)
    raw_token, digest = _new_token()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                tenant=tenant,
                email=email,
                role=role,
                service=service,
                invited_by=actor,
                token_hash=digest,
                expires_at=now + INVITATION_LIFETIME,
                last_sent_at=now,
                send_count=1,
            )
    except IntegrityError:
        # The same address invited by a concurrent request (one pending invitation per address).
        raise InviteAlreadySent() from None
    audit_record(
        tenant_id=tenant.pk,
        actor=actor,
        action="invitation.created",
        target=invitation,
        after={"email": email, "role": role, "service": invitation.service_id},
    )
    return invitation, _send_link(invitation, raw_token, actor)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor) -> str | None:
    """Sends a pending invitation again, with a fresh link (the previous one stops working,
    since its token was never stored) and a fresh 7-day expiry; at most once per
    RESEND_INTERVAL, however many clicks or tabs ask for it, and MAX_SENDS times in all."""
    now = timezone.now()
    if not invitation.is_open(now):
        raise InvitationNotPending()
    raw_token, digest = _new_token()
    resent = (
        Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING, expires_at__gt=now)
        .filter(send_count__lt=MAX_SENDS)
        .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - RESEND_INTERVAL))
        .update(
            token_hash=digest,
            expires_at=now + INVITATION_LIFETIME,
            last_sent_at=now,
            send_count=F("send_count") + 1,
            updated_at=now,
        )
    )
    invitation.refresh_from_db()
    if not resent:
        if not invitation.is_open(now):
            raise InvitationNotPending()
        if invitation.send_count >= MAX_SENDS:
            raise InvitationSendLimit(limit=MAX_SENDS)
        wait = invitation.last_sent_at + RESEND_INTERVAL - now
        raise InvitationResendTooSoon(wait_seconds=max(1, int(wait.total_seconds())))
    audit_record(
        tenant_id=invitation.tenant_id,
        actor=actor,
        action="invitation.resent",
        target=invitation,
        after={"send_count": invitation.send_count},
    )
    return _send_link(invitation, raw_token, actor)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> None:
    now = timezone.now()
    revoked = Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, responded_at=now, updated_at=now
    )
    if not revoked:
        raise InvitationNotPending()
    audit_record(
        tenant_id=invitation.tenant_id,
        actor=actor,
        action="invitation.revoked",
        target=invitation,
        before={"status": InvitationStatus.PENDING},
        after={"status": InvitationStatus.REVOKED},
    )


def open_invitation(raw_token) -> Invitation:
    """The invitation behind a link, if it can still be answered; one and the same refusal for
    unknown, expired, revoked, declined and used tokens."""
    invitation = invitation_by_token(raw_token)
    if invitation is None or not invitation.is_open():
        raise InvitationInvalid()
    return invitation


def invitation_check_acceptor(*, invitation: Invitation, user) -> None:
    """Who may accept: the account of the invited address, logged in; or, when no account uses
    that address, a new account made for it. An invitation never touches another account."""
    if user is not None:
        if user.email.strip().lower() != invitation.email.strip().lower():
            raise InvitationEmailMismatch()
        with scope(tenant=invitation.tenant_id):
            if Membership.objects.filter(tenant_id=invitation.tenant_id, user=user).exists():
                raise AlreadyMember()
    elif account_exists(invitation.email):
        raise InvitationLoginRequired()


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user=None, new_account: dict | None = None, language: str = "fr"
) -> Membership:
    """Makes the acceptor a member with the invitation's role and service (never the request's).

    `user` is the logged-in account; without one, `new_account` (validated username and
    password) creates the account for the invited address. The invitation is spent first, by
    a conditional UPDATE: of any number of concurrent accepts, one goes on, the others find it
    spent; a failure afterwards rolls everything back, the invitation included.
    """
    invitation_check_acceptor(invitation=invitation, user=user)
    now = timezone.now()
    spent = (
        Invitation.objects.with_scopes_disabled()
        .filter(pk=invitation.pk, status=InvitationStatus.PENDING, expires_at__gt=now)
        .update(status=InvitationStatus.ACCEPTED, responded_at=now, updated_at=now)
    )
    if not spent:
        raise InvitationInvalid()
    if user is None:
        user = user_create(
            username=new_account["username"],
            email=invitation.email,
            password=new_account["password"],
            language=language,
        )
    with scope(tenant=invitation.tenant_id):
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    tenant_id=invitation.tenant_id, user=user, role=invitation.role, service_id=invitation.service_id
                )
        except IntegrityError:
            raise AlreadyMember() from None
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    audit_record(
        tenant_id=invitation.tenant_id,
        actor=user,
        action="invitation.accepted",
        target=invitation,
        after={"membership": membership.pk, "role": membership.role, "service": membership.service_id},
    )
    return membership


@transaction.atomic
def invitation_decline(*, invitation: Invitation) -> None:
    now = timezone.now()
    declined = (
        Invitation.objects.with_scopes_disabled()
        .filter(pk=invitation.pk, status=InvitationStatus.PENDING, expires_at__gt=now)
        .update(status=InvitationStatus.DECLINED, responded_at=now, updated_at=now)
    )
    if not declined:
        raise InvitationInvalid()
    audit_record(
        tenant_id=invitation.tenant_id,
        actor=None,
        action="invitation.declined",
        target=invitation,
        after={"status": InvitationStatus.DECLINED},
    )
