from django.contrib.auth import get_user_model
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from stockscan.accounts import selectors, services
from stockscan.accounts.serializers import (
    AuthResponseSerializer,
    CurrentTenantSerializer,
    DetailSerializer,
    LoginSerializer,
    MembershipSummarySerializer,
    MeSerializer,
    MeUpdateSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RefreshSerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from stockscan.accounts.throttles import (
    LoginIPThrottle,
    LoginUsernameThrottle,
    PasswordResetEmailThrottle,
    PasswordResetIPThrottle,
    RegisterIPThrottle,
)
from stockscan.core.tenancy import TENANT_HEADER
from stockscan.orgs.serializers import ServiceSerializer


def _tenant_data(membership):
    if membership is None:
        return None
    return CurrentTenantSerializer(membership.tenant, context={"role": membership.role}).data


def _user_language() -> str:
    return (get_language() or "fr")[:2]


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [RegisterIPThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: RegisterResponseSerializer}, auth=[])
    def post(self, request):
        params = RegisterSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user, tenant, created_services = services.user_register(
            username=data["username"],
            email=data["email"],
            password=data["password"],
            tenant_name=data["tenant_name"],
            business_type=data["business_type"],
            domain=data["domain"],
            service_type=data["service_type"],
            service_name=data["service_name"],
            extra_services=data.get("extra_services"),
            language=_user_language(),
        )
        body = {
            **services.tokens_for_login(user),
            "user": UserSerializer(user).data,
            "tenant": CurrentTenantSerializer(tenant, context={"role": "owner"}).data,
            "services": ServiceSerializer(created_services, many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]

    @extend_schema(request=LoginSerializer, responses=AuthResponseSerializer, auth=[])
    def post(self, request):
        params = LoginSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = services.user_login(
            request=request, identifier=params.validated_data["identifier"], password=params.validated_data["password"]
        )
        memberships = selectors.user_memberships(user=user)
        body = {
            **services.tokens_for_login(user),
            "user": UserSerializer(user).data,
            "tenant": _tenant_data(selectors.current_membership(memberships, None)),
        }
        return Response(body)


class _TokenEndpoint(APIView):
    """Endpoints authenticated by the token in the body. DRF answers 403 instead of 401 to an
    AuthenticationFailed when a view has no WWW-Authenticate challenge, so they declare one."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'


class RefreshView(_TokenEndpoint):
    @extend_schema(request=RefreshSerializer, responses=TokenPairSerializer, auth=[])
    def post(self, request):
        serializer = TokenRefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
        except get_user_model().DoesNotExist:
            raise AuthenticationFailed(_("This account no longer exists.")) from None
        return Response(serializer.validated_data)


class LogoutView(_TokenEndpoint):
    @extend_schema(request=RefreshSerializer, responses=DetailSerializer, auth=[])
    def post(self, request):
        params = RefreshSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            RefreshToken(params.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
        return Response({"detail": _("You are logged out.")})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    def _body(self, request):
        memberships = selectors.user_memberships(user=request.user)
        current = selectors.current_membership(memberships, request.headers.get(TENANT_HEADER))
        return {
            "user": UserSerializer(request.user).data,
            "memberships": MembershipSummarySerializer(memberships, many=True).data,
            "tenant": _tenant_data(current),
            "role": current.role if current else None,
            "service": current.service_id if current else None,
        }

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(self._body(request))

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request):
        params = MeUpdateSerializer(data=request.data, context={"user": request.user})
        params.is_valid(raise_exception=True)
        services.user_update_profile(user=request.user, **params.validated_data)
        return Response(self._body(request))


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses=TokenPairSerializer)
    def post(self, request):
        params = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        params.is_valid(raise_exception=True)
        tokens = services.user_change_password(user=request.user, new_password=params.validated_data["new_password"])
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

    @extend_schema(request=PasswordResetConfirmSerializer, responses=DetailSerializer, auth=[])
    def post(self, request):
        params = PasswordResetConfirmSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        services.password_reset_confirm(uid=data["uid"], token=data["token"], new_password=data["new_password"])
        return Response({"detail": _("Your password has been changed. You can log in.")})
