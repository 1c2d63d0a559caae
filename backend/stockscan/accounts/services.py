import logging

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.models import update_last_login
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework import serializers
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from stockscan.accounts.errors import AccountConflict, InvalidCredentials, ResetTokenInvalid
from stockscan.core.audit import audit_record
from stockscan.mail.services import email_queue

logger = logging.getLogger("stockscan.accounts")
User = get_user_model()


def tokens_for_user(user) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def tokens_for_login(user) -> dict[str, str]:
    """Tokens for someone who just proved who they are (login, or a new account made from an
    invitation): the login is recorded, as members lists show it."""
    update_last_login(None, user)
    return tokens_for_user(user)


def user_create(*, username: str, email: str, password: str, language: str):
    """A new account; the caller has validated the fields, the database settles races."""
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password, language=language)
    except IntegrityError:
        # Another registration took this username or email between validation and insert.
        raise AccountConflict() from None


def user_login(*, request, identifier: str, password: str):
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        raise InvalidCredentials()
    return user


@transaction.atomic
def user_update_profile(*, user, **changes):
    if not changes:
        return user
    before = {field: getattr(user, field) for field in changes}
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        with transaction.atomic():
            user.save(update_fields=list(changes))
    except IntegrityError:
        raise AccountConflict() from None
    if "email" in changes and before.get("email") != user.email:
        audit_record(tenant_id=None, actor=user, action="user.email_changed", target=user)
    return user


def user_revoke_tokens(*, user) -> int:
    """Blacklists every refresh token the user holds; access tokens die with the old
    password hash (SIMPLE_JWT CHECK_REVOKE_TOKEN)."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    tokens = list(outstanding.only("id"))
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True)
    return len(tokens)


@transaction.atomic
def user_change_password(*, user, new_password: str) -> dict[str, str]:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_tokens(user=user)
    audit_record(tenant_id=None, actor=user, action="user.password_changed", target=user)
    return tokens_for_user(user)


@transaction.atomic
def password_reset_request(*, email: str, language: str) -> None:
    """Emails a reset link (through the outbox) if the address belongs to an active account.
    The caller answers the same way either way, so the endpoint does not reveal who has an
    account."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
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
    try:
        password_validation.validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"new_password": list(exc.messages)}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_tokens(user=user)
    audit_record(tenant_id=None, actor=user, action="user.password_reset", target=user)
