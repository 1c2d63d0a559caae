import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.models import update_last_login
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from stockscan.accounts.errors import AccountConflict, EmailChangeTokenInvalid, InvalidCredentials, ResetTokenInvalid
from stockscan.accounts.models import EmailChangeRequest, RevokedSession
from stockscan.accounts.selectors import REVOKED_SESSION_KEY, revocation_seconds
from stockscan.accounts.tasks import password_reset_send
from stockscan.accounts.throttles import LoginGuard, client_address, password_check_budget
from stockscan.accounts.tokens import SESSION_CLAIM, SessionRefreshToken
from stockscan.core.audit import audit_record
from stockscan.core.tasks import enqueue_on_commit
from stockscan.mail.services import email_queue

logger = logging.getLogger("stockscan.accounts")
User = get_user_model()

EMAIL_CHANGE_LINK_HOURS = 24


# --- Rules a new or changed account must meet: one each, each naming the field it is about.


def user_check_username_available(*, username: str, field: str = "username") -> None:
    if User._default_manager.filter(username__iexact=username).exists():
        raise serializers.ValidationError({field: [_("This username is already taken.")]})


def user_check_email_available(*, email: str, exclude_user=None, field: str = "email") -> None:
    others = User._default_manager.filter(email__iexact=email)
    if exclude_user is not None:
        others = others.exclude(pk=exclude_user.pk)
    if others.exists():
        raise serializers.ValidationError({field: [_("An account with this email already exists.")]})


def password_check_policy(*, password: str, user, field: str) -> None:
    """AUTH_PASSWORD_VALIDATORS, which compare the password with the user's username and email."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({field: list(exc.messages)}) from None


def password_check_current(*, user, password: str, field: str) -> None:
    """The signed-in user's current password, before anything that could take the account over.
    Wrong answers are counted (`password_check` rate), right ones start the count again."""
    budget = password_check_budget(user)
    budget.reserve()
    if not user.check_password(password):
        raise serializers.ValidationError({field: [_("Your current password is incorrect.")]})
    budget.forgive()


# --- Accounts


def user_create(*, username: str, email: str, password: str, language: str):
    """A new account; the database settles races the checks cannot see."""
    email = User._default_manager.normalize_email(email)
    user_check_username_available(username=username)
    user_check_email_available(email=email)
    password_check_policy(password=password, user=User(username=username, email=email), field="password")
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password, language=language)
    except IntegrityError:
        # Another registration took this username or email between the checks and the insert.
        raise AccountConflict() from None


def user_login(*, request, identifier: str, password: str):
    guard = LoginGuard(identifier=identifier, address=client_address(request))
    guard.reserve()
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        guard.failed()
        raise InvalidCredentials()
    guard.succeeded()
    return user


@transaction.atomic
def user_update_profile(*, user, **changes):
    """Name and language. The login address changes only through `email_change_request`."""
    if not changes:
        return user
    for field, value in changes.items():
        setattr(user, field, value)
    user.save(update_fields=list(changes))
    return user


@transaction.atomic
def user_profile_change(*, user, email_language: str, email=None, password=None, **changes):
    """What `PATCH /me/` asks, all or nothing: a new login address (through its emailed link,
    checked first so that a wrong password changes nothing) and the name and language.
    `email_language`: the language the links are written in, when the user has none."""
    change = None
    if email is not None:
        change = email_change_request(user=user, new_email=email, password=password, language=email_language)
    user_update_profile(user=user, **changes)
    return change


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


@transaction.atomic
def email_change_request(*, user, new_email: str, password: str, language: str) -> EmailChangeRequest | None:
    """Asks to move the login to `new_email`: needs the current password; the change waits for
    the link emailed to the new address, and the current address is told at once. Asking again
    voids the earlier links. None when the address is already the account's."""
    password_check_current(user=user, password=password, field="password")
    new_email = User._default_manager.normalize_email(new_email.strip())
    if new_email == user.email:
        return None
    user_check_email_available(email=new_email, exclude_user=user)
    now = timezone.now()
    EmailChangeRequest.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    raw_token = secrets.token_urlsafe(32)
    change = EmailChangeRequest.objects.create(
        user=user,
        new_email=new_email,
        token_hash=_digest(raw_token),
        expires_at=now + timedelta(hours=EMAIL_CHANGE_LINK_HOURS),
    )
    name = user.get_short_name() or user.username
    email_queue(
        to=new_email,
        template="accounts/email_change_confirm",
        language=user.language or language,
        context={
            "name": name,
            "link": f"{settings.FRONTEND_URL}/confirm-email?token={raw_token}",
            "hours": EMAIL_CHANGE_LINK_HOURS,
        },
    )
    email_queue(
        to=user.email,
        template="accounts/email_change_notice",
        language=user.language or language,
        context={"name": name, "new_email": new_email},
    )
    audit_record(tenant_id=None, actor=user, action="user.email_change_requested", target=user)
    return change


@transaction.atomic
def email_change_confirm(*, token: str):
    """Follows an email change link: the account's login address becomes the new one. Unknown,
    expired, voided and used links are refused alike."""
    now = timezone.now()
    change = (
        EmailChangeRequest.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=_digest(token), used_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if change is None:
        raise EmailChangeTokenInvalid()
    change.used_at = now
    change.save(update_fields=["used_at"])
    user = change.user
    if User._default_manager.filter(email__iexact=change.new_email).exclude(pk=user.pk).exists():
        raise AccountConflict()
    user.email = change.new_email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        raise AccountConflict() from None
    audit_record(tenant_id=None, actor=user, action="user.email_changed", target=user)
    return user


# --- Tokens


def tokens_for_user(user) -> dict[str, str]:
    """A new session: a refresh token with its session id, and an access token of it."""
    refresh = SessionRefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def tokens_for_login(user) -> dict[str, str]:
    """Tokens for someone who just proved who they are (login, or a new account made from an
    invitation): the login is recorded, as members lists show it."""
    update_last_login(None, user)
    return tokens_for_user(user)


def _token_user(token):
    user = User._default_manager.filter(pk=token.payload.get(jwt_settings.USER_ID_CLAIM)).first()
    if user is None:
        raise AuthenticationFailed(_("This account no longer exists."))
    if not jwt_settings.USER_AUTHENTICATION_RULE(user):
        raise AuthenticationFailed(_("No active account found for the given token."))
    return user


def token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotates a refresh token: exactly one refresh of a token succeeds. Its outstanding row is
    locked and its blacklist row inserted before the new pair is made, in one transaction, so
    concurrent refreshes of one token wait for the first and then find it spent."""
    try:
        token = SessionRefreshToken(refresh)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    with transaction.atomic():
        user = _token_user(token)
        outstanding, _created = OutstandingToken.objects.get_or_create(
            jti=token[jwt_settings.JTI_CLAIM],
            defaults={
                "user": user,
                "token": refresh,
                "created_at": token.current_time,
                "expires_at": datetime_from_epoch(token["exp"]),
            },
        )
        OutstandingToken.objects.select_for_update().filter(pk=outstanding.pk).get()
        _blacklisted, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        if not created:
            raise InvalidToken(_("Token is blacklisted"))
        pair = {"access": str(token.access_token)}
        token.set_jti()
        token.set_exp()
        token.set_iat()
        token.outstand()
        pair["refresh"] = str(token)
    return pair


def session_revoke(*, session_id: str) -> None:
    """Refuses the session's access tokens from now on (`selectors.session_is_revoked`). The
    database row is the record, the cache key the fast answer."""
    now = timezone.now()
    RevokedSession.objects.filter(expires_at__lte=now).delete()
    RevokedSession.objects.update_or_create(
        session_id=session_id, defaults={"expires_at": now + timedelta(seconds=revocation_seconds())}
    )
    cache.set(REVOKED_SESSION_KEY.format(session_id), True, revocation_seconds())


@transaction.atomic
def token_logout(*, refresh: str) -> None:
    """Blacklists the refresh token and revokes its session, whose access tokens stop working
    at once."""
    try:
        token = SessionRefreshToken(refresh)
        token.blacklist()
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    session_id = token.get(SESSION_CLAIM)
    if session_id:
        session_revoke(session_id=str(session_id))


def user_revoke_tokens(*, user) -> int:
    """Blacklists every refresh token the user holds; access tokens die with the old
    password hash (SIMPLE_JWT CHECK_REVOKE_TOKEN)."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    tokens = list(outstanding.only("id"))
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True)
    return len(tokens)


# --- Passwords


@transaction.atomic
def user_change_password(*, user, old_password: str, new_password: str) -> dict[str, str]:
    password_check_current(user=user, password=old_password, field="old_password")
    password_check_policy(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_tokens(user=user)
    audit_record(tenant_id=None, actor=user, action="user.password_changed", target=user)
    return tokens_for_user(user)


def password_reset_request(*, email: str, language: str) -> None:
    """Queues the lookup and the email for a task, whatever the address: the request does the
    same work for an address with an account and one without, so its time tells nothing (with
    the database task backend; the immediate backend of development runs the task inline)."""
    enqueue_on_commit(password_reset_send, email.strip(), language)


@transaction.atomic
def password_reset_email(*, email: str, language: str) -> None:
    """Emails a reset link (through the outbox) if the address belongs to an active account."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        logger.info("Password reset asked for an unknown address %s", email)
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{settings.FRONTEND_URL}/reset-password?uid={uid}&token={token}"
    email_queue(
        to=user.email,
        template="accounts/password_reset",
        language=user.language or language,
        context={
            "name": user.get_short_name() or user.username,
            "link": link,
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


def _user_from_uid(uid: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> None:
    user = _user_from_uid(uid)
    if user is None:
        raise ResetTokenInvalid()
    # Lock the row: two submissions of one link must not both pass the token check.
    user = User.objects.select_for_update().get(pk=user.pk)
    if not default_token_generator.check_token(user, token):
        raise ResetTokenInvalid()
    password_check_policy(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_tokens(user=user)
    audit_record(tenant_id=None, actor=user, action="user.password_reset", target=user)
