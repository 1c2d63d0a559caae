from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.core.fields import EmailField, UsernameField, refuse_invisible_characters

User = get_user_model()


def check_new_password(attrs: dict, *, user, password_field: str, confirm_field: str) -> None:
    if attrs[password_field] != attrs[confirm_field]:
        raise serializers.ValidationError({confirm_field: [_("The two passwords do not match.")]})
    try:
        password_validation.validate_password(attrs[password_field], user=user)
    except Exception as exc:  # django.core.exceptions.ValidationError
        raise serializers.ValidationError({password_field: list(getattr(exc, "messages", [str(exc)]))}) from None


class NewAccountSerializer(serializers.Serializer):
    """Username and password of a new account (registration, or accepting an invitation)."""

    username = UsernameField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    password_confirm = serializers.CharField(write_only=True, style={"input_type": "password"})

    def validate_username(self, value):
        if User._default_manager.filter(username__iexact=value).exists():
            raise serializers.ValidationError(_("This username is already taken."))
        return value

    def validate(self, attrs):
        # The validators compare the password with the username and the email (given in the
        # body at registration, by the invitation otherwise).
        email = attrs.get("email") or self.context.get("email", "")
        check_new_password(
            attrs,
            user=User(username=attrs["username"], email=email),
            password_field="password",
            confirm_field="password_confirm",
        )
        return attrs


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, help_text="Username or email address.")
    email = serializers.CharField(required=False)
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
    email = EmailField(required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate_email(self, value):
        value = User._default_manager.normalize_email(value)
        others = User._default_manager.filter(email__iexact=value).exclude(pk=self.context["user"].pk)
        if others.exists():
            raise serializers.ValidationError(_("An account with this email already exists."))
        return value


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True)
    new_password = serializers.CharField(write_only=True)
    new_password_confirm = serializers.CharField(write_only=True)

    def validate_old_password(self, value):
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError(_("Your current password is incorrect."))
        return value

    def validate(self, attrs):
        check_new_password(
            attrs, user=self.context["user"], password_field="new_password", confirm_field="new_password_confirm"
        )
        return attrs


class PasswordResetRequestSerializer(serializers.Serializer):
    email = EmailField()


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField()
    token = serializers.CharField()
    new_password = serializers.CharField(write_only=True)
    new_password_confirm = serializers.CharField(write_only=True)

    def validate(self, attrs):
        if attrs["new_password"] != attrs["new_password_confirm"]:
            raise serializers.ValidationError({"new_password_confirm": [_("The two passwords do not match.")]})
        return attrs


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
