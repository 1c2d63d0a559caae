from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.core.fields import EmailField, UsernameField, refuse_invisible_characters

User = get_user_model()


def check_passwords_match(attrs: dict, *, password_field: str, confirm_field: str) -> None:
    if attrs[password_field] != attrs[confirm_field]:
        raise serializers.ValidationError({confirm_field: [_("The two passwords do not match.")]})


class NewAccountSerializer(serializers.Serializer):
    """Username and password of a new account (registration, or accepting an invitation)."""

    username = UsernameField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    password_confirm = serializers.CharField(write_only=True, style={"input_type": "password"})

    def validate(self, attrs):
        # Whether the username is free and the password strong enough is for
        # accounts.services.user_create to say.
        check_passwords_match(attrs, password_field="password", confirm_field="password_confirm")
        return attrs


class LoginSerializer(serializers.Serializer):
    """One of `username` or `email` is required (else 400 on `username`), with the password."""

    username = serializers.CharField(
        required=False, help_text="Username or email address. One of `username` or `email` is required."
    )
    email = serializers.CharField(
        required=False, help_text="Email address (or username), if `username` is not given. One of the two is required."
    )
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    def validate(self, attrs):
        identifier = (attrs.get("username") or attrs.get("email") or "").strip()
        if not identifier:
            raise serializers.ValidationError({"username": [_("Give your username or email address.")]})
        attrs["identifier"] = identifier
        return attrs


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "language", "date_joined", "last_login"]
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[refuse_invisible_characters]
    )
    last_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[refuse_invisible_characters]
    )
    email = EmailField(
        required=False,
        help_text="A new login address: nothing changes until the link emailed to it is followed "
        "(POST /api/auth/email/confirm/); the current address is told. Needs `password`.",
    )
    password = serializers.CharField(
        required=False, write_only=True, style={"input_type": "password"}, help_text="The current password."
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate(self, attrs):
        if "email" in attrs and not attrs.get("password"):
            raise serializers.ValidationError(
                {"password": [_("Give your current password to change your email address.")]}
            )
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True)
    new_password = serializers.CharField(write_only=True)
    new_password_confirm = serializers.CharField(write_only=True)

    def validate(self, attrs):
        check_passwords_match(attrs, password_field="new_password", confirm_field="new_password_confirm")
        return attrs


class PasswordResetRequestSerializer(serializers.Serializer):
    email = EmailField()


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField()
    token = serializers.CharField()
    new_password = serializers.CharField(write_only=True)
    new_password_confirm = serializers.CharField(write_only=True)

    def validate(self, attrs):
        check_passwords_match(attrs, password_field="new_password", confirm_field="new_password_confirm")
        return attrs


class EmailConfirmSerializer(serializers.Serializer):
    # No length limit here: a token of any length is answered like an unknown one.
    token = serializers.CharField()


class EmailConfirmedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    email = serializers.EmailField()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
