from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from stockscan.accounts.errors import AccountConflict, InvalidCredentials
from stockscan.accounts.serializers import (
    DetailSerializer,
    LoginSerializer,
    MeUpdateSerializer,
    NewAccountSerializer,
    UserSerializer,
)
from stockscan.accounts.services import tokens_for_login, user_login, user_profile_change
from stockscan.accounts.throttles import InvitationLinkIPThrottle, LoginIPThrottle, RegisterIPThrottle
from stockscan.core.errors import ErrorCode
from stockscan.entitlements.errors import EntitlementsErrorCode
from stockscan.entitlements.selectors import entitlements_summary
from stockscan.entitlements.serializers import EntitlementsSerializer
from stockscan.orgs import selectors
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
    LastOwner,
    LastServiceRequired,
    ServiceHasData,
    ServiceHasInvitations,
    ServiceHasMembers,
    ServiceNameTaken,
)
from stockscan.orgs.models import Invitation, Membership, Service
from stockscan.orgs.serializers import (
    ActivityFilterSerializer,
    ActivitySerializer,
    AuthResponseSerializer,
    CurrentTenantSerializer,
    InvitationAcceptRequestSerializer,
    InvitationCreatedSerializer,
    InvitationPreviewSerializer,
    InvitationSerializer,
    InvitationTokenSerializer,
    InviteSerializer,
    MembershipSerializer,
    MembershipSummarySerializer,
    MembershipUpdateSerializer,
    MembersSummarySerializer,
    MeSerializer,
    MeUpdatedSerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    ServiceCreateSerializer,
    ServiceSerializer,
    ServiceUpdateSerializer,
    TenantSettingsSerializer,
    TenantSettingsUpdateSerializer,
)
from stockscan.orgs.services import invitations
from stockscan.orgs.services import organisation as services
from stockscan.orgs.tenancy.permissions import Perm, crud_permissions
from stockscan.orgs.tenancy.resolution import (
    NoTenantMembership,
    ServiceNotFound,
    TenantContext,
    TenantNotFound,
    resolve_tenant_context,
    tenant_context_for,
)
from stockscan.orgs.tenancy.views import TenantAPIView, TenantGenericAPIView, TenantModelViewSet, TenantScopedMixin


def _current_tenant(context: TenantContext | None):
    if context is None:
        return None
    return CurrentTenantSerializer(context.tenant, context={"role": context.role}).data


def _user_language() -> str:
    return (get_language() or "fr")[:2]


class RegisterView(APIView):
    """A new business with its owner's account and its first services."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [RegisterIPThrottle]
    error_codes = [AccountConflict]

    @extend_schema(request=RegisterSerializer, responses={201: RegisterResponseSerializer}, auth=[])
    def post(self, request):
        params = RegisterSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user, tenant, created_services = services.tenant_register(
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
            **tokens_for_login(user),
            "user": UserSerializer(user).data,
            "tenant": CurrentTenantSerializer(tenant, context={"role": "owner"}).data,
            "services": ServiceSerializer(created_services, many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    # Per address here; per account (failures only) in accounts.services.user_login.
    throttle_classes = [LoginIPThrottle]
    # Failed logins are also budgeted per account (accounts.throttles.LoginGuard).
    error_codes = [InvalidCredentials, (429, ErrorCode.THROTTLED)]

    @extend_schema(
        request=LoginSerializer,
        responses=AuthResponseSerializer,
        auth=[],
        description="Log in with `username` or `email` (one of them is required) and `password`.",
    )
    def post(self, request):
        params = LoginSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = user_login(
            request=request, identifier=params.validated_data["identifier"], password=params.validated_data["password"]
        )
        try:
            context = tenant_context_for(user.pk, None)
        except NoTenantMembership:
            context = None
        body = {**tokens_for_login(user), "user": UserSerializer(user).data, "tenant": _current_tenant(context)}
        return Response(body)


class MeView(APIView):
    """The user, their memberships, and the tenant the request works in — resolved as every
    tenant route resolves it (another tenant's `X-Tenant-Id` is a 404). A user with no
    membership still reads their profile."""

    permission_classes = [IsAuthenticated]
    # The email change: a wrong current password (budgeted), an address already taken.
    error_codes = {"GET": [TenantNotFound], "PATCH": [TenantNotFound, AccountConflict, (429, ErrorCode.THROTTLED)]}

    @staticmethod
    def _context(request) -> TenantContext | None:
        try:
            return resolve_tenant_context(request)
        except NoTenantMembership:
            return None

    def _body(self, request, context: TenantContext | None):
        return {
            "user": UserSerializer(request.user).data,
            "memberships": MembershipSummarySerializer(selectors.user_memberships(user=request.user), many=True).data,
            "tenant": _current_tenant(context),
            "role": context.role if context else None,
            "service": context.membership.service_id if context else None,
        }

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(self._body(request, self._context(request)))

    @extend_schema(request=MeUpdateSerializer, responses=MeUpdatedSerializer)
    def patch(self, request):
        context = self._context(request)  # first: a request naming another tenant changes nothing
        params = MeUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        change = user_profile_change(user=request.user, email_language=_user_language(), **params.validated_data)
        return Response({**self._body(request, context), "pending_email": change.new_email if change else None})


class TenantSettingsView(TenantAPIView):
    """The business's settings: every member reads them, the owner changes them."""

    permissions = {"GET": Perm.VIEW_TENANT, "PATCH": Perm.MANAGE_TENANT}

    @extend_schema(responses=TenantSettingsSerializer)
    def get(self, request):
        return Response(TenantSettingsSerializer(request.tenant).data)

    @extend_schema(request=TenantSettingsUpdateSerializer, responses=TenantSettingsSerializer)
    def patch(self, request):
        params = TenantSettingsUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        tenant = services.tenant_update(tenant=request.tenant, actor=request.user, **params.validated_data)
        return Response(TenantSettingsSerializer(tenant).data)


class ActivityView(mixins.ListModelMixin, TenantGenericAPIView):
    """The business's recent activity, in words a person reads (owners and managers)."""

    permissions = {"GET": Perm.VIEW_ACTIVITY}
    serializer_class = ActivitySerializer

    def get_queryset(self):
        filters = ActivityFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.activity_list(
            tenant=self.request.tenant,
            actor_id=filters.validated_data.get("actor"),
            kind=filters.validated_data.get("kind"),
        )

    @extend_schema(parameters=[ActivityFilterSerializer])
    def get(self, request):
        return self.list(request)


class EntitlementsView(TenantAPIView):
    """What the current tenant's plan allows, and how much of it is used. Any member may read it."""

    permissions = {"GET": Perm.VIEW_TENANT}

    @extend_schema(responses=EntitlementsSerializer)
    def get(self, request):
        return Response(EntitlementsSerializer(entitlements_summary(request.tenant)).data)


@extend_schema_view(
    create=extend_schema(request=ServiceCreateSerializer, responses={201: ServiceSerializer}),
    partial_update=extend_schema(request=ServiceUpdateSerializer, responses=ServiceSerializer),
    update=extend_schema(request=ServiceUpdateSerializer, responses=ServiceSerializer),
)
class ServiceViewSet(TenantModelViewSet):
    """The tenant's services. Operators see only the service they are limited to."""

    queryset = Service.objects.none()
    serializer_class = ServiceSerializer
    permissions = crud_permissions(read=Perm.VIEW_SERVICES, write=Perm.MANAGE_SERVICES)
    error_codes = {
        "create": [(403, EntitlementsErrorCode.LIMIT_MAX_SERVICES), ServiceNameTaken],
        "update": [ServiceNameTaken],
        "partial_update": [ServiceNameTaken],
        "destroy": [LastServiceRequired, ServiceHasMembers, ServiceHasInvitations, ServiceHasData],
    }

    def get_queryset(self):
        return selectors.service_list(membership=self.request.membership).filter(tenant=self.request.tenant)

    def create(self, request, *args, **kwargs):
        params = ServiceCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        service = services.service_create(tenant=request.tenant, actor=request.user, **params.validated_data)
        return Response(ServiceSerializer(service).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        service = self.get_object()
        params = ServiceUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        params.is_valid(raise_exception=True)
        service = services.service_update(service=service, actor=request.user, **params.validated_data)
        return Response(ServiceSerializer(service).data)

    def perform_destroy(self, instance):
        services.service_delete(service=instance, actor=self.request.user)


@extend_schema_view(
    create=extend_schema(
        summary="Invite someone to the organisation",
        request=InviteSerializer,
        responses={201: InvitationCreatedSerializer},
    ),
    partial_update=extend_schema(request=MembershipUpdateSerializer, responses=MembershipSerializer),
)
class MembershipViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Members of the tenant. Managers see them; only owners invite (POST), change a role or a
    service (PATCH) and remove (DELETE): members and billing are the owner's (DESIGN.md)."""

    queryset = Membership.objects.none()
    serializer_class = MembershipSerializer
    permissions = {
        "list": Perm.VIEW_MEMBERS,
        "retrieve": Perm.VIEW_MEMBERS,
        "create": Perm.MANAGE_MEMBERS,
        "partial_update": Perm.MANAGE_MEMBERS,
        "destroy": Perm.MANAGE_MEMBERS,
    }
    error_codes = {
        "create": [
            ServiceNotFound,
            (403, EntitlementsErrorCode.LIMIT_MAX_USERS),
            AlreadyMember,
            InviteAlreadySent,
            InvitationRateLimited,
        ],
        "partial_update": [ServiceNotFound, LastOwner],
        "destroy": [LastOwner],
    }

    def get_queryset(self):
        return selectors.membership_list(tenant=self.request.tenant, viewer=self.request.membership)

    def create(self, request, *args, **kwargs):
        params = InviteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        invitation, link = invitations.invitation_create(
            tenant=request.tenant, actor=request.user, **params.validated_data
        )
        return Response(
            InvitationCreatedSerializer(invitation, context={"link": link}).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        params = MembershipUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        membership = services.membership_update(membership=membership, actor=request.user, **params.validated_data)
        return Response(MembershipSerializer(membership).data)

    def destroy(self, request, *args, **kwargs):
        services.membership_remove(membership=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    destroy=extend_schema(summary="Revoke a pending invitation", responses={204: None}),
)
class InvitationViewSet(TenantScopedMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The tenant's invitations (pending ones are listed in the members summary)."""

    queryset = Invitation.objects.none()
    serializer_class = InvitationSerializer
    permissions = {"retrieve": Perm.VIEW_MEMBERS, "destroy": Perm.MANAGE_MEMBERS, "resend": Perm.MANAGE_MEMBERS}
    error_codes = {
        "destroy": [InvitationNotPending],
        "resend": [InvitationNotPending, InvitationResendTooSoon, InvitationSendLimit],
    }

    def get_queryset(self):
        return selectors.invitation_list(tenant=self.request.tenant, viewer=self.request.membership)

    def destroy(self, request, *args, **kwargs):
        invitations.invitation_revoke(invitation=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send a pending invitation again, with a new link",
        request=None,
        responses=InvitationCreatedSerializer,
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        invitation = self.get_object()
        link = invitations.invitation_resend(invitation=invitation, actor=request.user)
        return Response(InvitationCreatedSerializer(invitation, context={"link": link}).data)


class MembersSummaryView(TenantAPIView):
    permissions = {"GET": Perm.VIEW_MEMBERS}

    @extend_schema(responses=MembersSummarySerializer)
    def get(self, request):
        return Response(
            MembersSummarySerializer(selectors.members_summary(tenant=request.tenant, viewer=request.membership)).data
        )


TOKEN_PARAM = OpenApiParameter("token", str, required=True, description="The token of the invitation link.")


class InvitationAcceptView(APIView):
    """The invitation link's page: anyone holding the link may read it and answer it. Unknown,
    expired, revoked and used tokens all answer 410 INVITATION_INVALID, alike."""

    permission_classes = [AllowAny]
    throttle_classes = [InvitationLinkIPThrottle]
    error_codes = {
        "GET": [InvitationInvalid],
        "POST": [InvitationInvalid, InvitationEmailMismatch, InvitationLoginRequired, AccountConflict],
    }

    @extend_schema(parameters=[TOKEN_PARAM], responses=InvitationPreviewSerializer, auth=[])
    def get(self, request):
        params = InvitationTokenSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        invitation = invitations.open_invitation(params.validated_data["token"])
        context = {"account_exists": selectors.account_exists(invitation.email)}
        return Response(InvitationPreviewSerializer(invitation, context=context).data)

    @extend_schema(request=InvitationAcceptRequestSerializer, responses=AuthResponseSerializer)
    def post(self, request):
        params = InvitationTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        invitation = invitations.open_invitation(params.validated_data["token"])
        user = request.user if request.user.is_authenticated else None
        # Who may accept is settled before the account fields are read: someone who has to
        # log in is told so, not asked to fix a form.
        invitations.invitation_check_acceptor(invitation=invitation, user=user)
        new_account = None
        if user is None:
            account = NewAccountSerializer(data=request.data, context={"email": invitation.email})
            account.is_valid(raise_exception=True)
            new_account = account.validated_data
        membership = invitations.invitation_accept(
            invitation=invitation, user=user, new_account=new_account, language=_user_language()
        )
        body = {
            **tokens_for_login(membership.user),
            "user": UserSerializer(membership.user).data,
            "tenant": CurrentTenantSerializer(invitation.tenant, context={"role": membership.role}).data,
        }
        return Response(body)


class InvitationDeclineView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [InvitationLinkIPThrottle]
    error_codes = [InvitationInvalid]

    @extend_schema(request=InvitationTokenSerializer, responses=DetailSerializer, auth=[])
    def post(self, request):
        params = InvitationTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        invitations.invitation_decline(invitation=invitations.open_invitation(params.validated_data["token"]))
        return Response({"detail": _("You declined the invitation.")})
