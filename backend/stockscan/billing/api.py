from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from stockscan.billing.errors import (
    AlreadySubscribed,
    BillingErrorCode,
    BillingNotConfigured,
    NoBillingAccount,
    PortalDisabled,
    StripeFailed,
    WebhookPayloadInvalid,
)
from stockscan.billing.selectors import plan_catalogue
from stockscan.billing.serializers import (
    CheckoutRequestSerializer,
    PlanSerializer,
    RedirectUrlSerializer,
    StripeEventSerializer,
    WebhookAcknowledgementSerializer,
)
from stockscan.billing.services import checkout as services
from stockscan.billing.services import events
from stockscan.core.errors import WebhookSignatureInvalid
from stockscan.orgs.tenancy.permissions import Perm
from stockscan.orgs.tenancy.views import TenantAPIView


class PlansView(APIView):
    """The plans a business can choose, with their limits, features and prices (public: the
    pricing page and the upgrade prompts read it)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses=PlanSerializer(many=True), auth=[])
    def get(self, request):
        return Response(PlanSerializer(plan_catalogue(), many=True).data)


class CheckoutView(TenantAPIView):
    """Starts a Stripe Checkout for a plan and billing cycle (owner only)."""

    permissions = {"POST": Perm.MANAGE_BILLING}
    error_codes = [
        (400, BillingErrorCode.INVALID_PLAN),
        (400, BillingErrorCode.INVALID_CYCLE),
        AlreadySubscribed,
        BillingNotConfigured,
        StripeFailed,
    ]

    @extend_schema(request=CheckoutRequestSerializer, responses=RedirectUrlSerializer)
    def post(self, request):
        params = CheckoutRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        url = services.checkout_session_start(tenant=request.tenant, actor=request.user, **params.validated_data)
        return Response({"url": url})


class PortalView(TenantAPIView):
    """Opens Stripe's customer portal for the organisation's subscription (owner only)."""

    permissions = {"POST": Perm.MANAGE_BILLING}
    error_codes = [PortalDisabled, NoBillingAccount, BillingNotConfigured, StripeFailed]

    @extend_schema(request=None, responses=RedirectUrlSerializer)
    def post(self, request):
        return Response({"url": services.portal_session_start(tenant=request.tenant)})


class StripeWebhookView(APIView):
    """Stripe's events. No token: the Stripe-Signature header over the raw body is the proof.
    Each event id is stored and processed once; a redelivery is acknowledged as a duplicate."""

    authentication_classes = []
    permission_classes = [AllowAny]
    error_codes = [WebhookSignatureInvalid, WebhookPayloadInvalid, BillingNotConfigured]

    @extend_schema(
        request=StripeEventSerializer,
        responses=WebhookAcknowledgementSerializer,
        parameters=[OpenApiParameter("Stripe-Signature", str, OpenApiParameter.HEADER, required=True)],
        auth=[],
    )
    def post(self, request):
        # The signature covers the exact bytes Stripe sent: read them before any parsing.
        created = events.stripe_event_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
        return Response({"received": True, "duplicate": not created})
