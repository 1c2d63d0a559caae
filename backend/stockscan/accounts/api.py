from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from stockscan.accounts import services
from stockscan.accounts.errors import AccountConflict, EmailChangeTokenInvalid, ResetTokenInvalid
from stockscan.accounts.serializers import (
    DetailSerializer,
    EmailConfirmedSerializer,
    EmailConfirmSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RefreshSerializer,
    TokenPairSerializer,
)
from stockscan.accounts.throttles import EmailConfirmIPThrottle, PasswordResetEmailThrottle, PasswordResetIPThrottle
from stockscan.core.errors import ErrorCode


def _user_language() -> str:
    return (get_language() or "fr")[:2]


class _TokenEndpoint(APIView):
    """Endpoints authenticated by the token in the body. DRF answers 403 instead of 401 to an
    AuthenticationFailed when a view has no WWW-Authenticate challenge, so they declare one."""

    permission_classes = [AllowAny]
    authentication_classes = []
    # The refresh token in the body is the credential.
    error_codes = [(401, ErrorCode.TOKEN_INVALID), (401, ErrorCode.AUTHENTICATION_FAILED)]

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'


class RefreshView(_TokenEndpoint):
    @extend_schema(request=RefreshSerializer, responses=TokenPairSerializer, auth=[])
    def post(self, request):
        params = RefreshSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        return Response(services.token_refresh(refresh=params.validated_data["refresh"]))


class LogoutView(_TokenEndpoint):
    """Blacklists the refresh token; the access tokens of its session are refused from now on."""

    @extend_schema(request=RefreshSerializer, responses=DetailSerializer, auth=[])
    def post(self, request):
        params = RefreshSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.token_logout(refresh=params.validated_data["refresh"])
        return Response({"detail": _("You are logged out.")})


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]
    # Wrong current passwords are budgeted (accounts.throttles.password_check_budget).
    error_codes = [(429, ErrorCode.THROTTLED)]

    @extend_schema(request=PasswordChangeSerializer, responses=TokenPairSerializer)
    def post(self, request):
        params = PasswordChangeSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        tokens = services.user_change_password(
            user=request.user,
            old_password=params.validated_data["old_password"],
            new_password=params.validated_data["new_password"],
        )
        return Response(tokens)


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PasswordResetIPThrottle, PasswordResetEmailThrottle]

    @extend_schema(request=PasswordResetRequestSerializer, responses={202: DetailSerializer}, auth=[])
    def post(self, request):
        params = PasswordResetRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.password_reset_request(email=params.validated_data["email"], language=_user_language())
        return Response(
            {"detail": _("If an account uses this address, a link to reset its password has been sent.")},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PasswordResetIPThrottle]
    error_codes = [ResetTokenInvalid]

    @extend_schema(request=PasswordResetConfirmSerializer, responses=DetailSerializer, auth=[])
    def post(self, request):
        params = PasswordResetConfirmSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        services.password_reset_confirm(uid=data["uid"], token=data["token"], new_password=data["new_password"])
        return Response({"detail": _("Your password has been changed. You can log in.")})


class EmailConfirmView(APIView):
    """The email change link's page: the token alone proves the new address is the user's (it
    was emailed there), so it works signed in or not, on any device."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [EmailConfirmIPThrottle]
    error_codes = [EmailChangeTokenInvalid, AccountConflict]

    @extend_schema(request=EmailConfirmSerializer, responses=EmailConfirmedSerializer, auth=[])
    def post(self, request):
        params = EmailConfirmSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = services.email_change_confirm(token=params.validated_data["token"])
        return Response({"detail": _("Your email address has been changed."), "email": user.email})
