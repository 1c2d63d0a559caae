from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from stockscan.core.errors import WebhookSignatureInvalid
from stockscan.mail.errors import WebhookNotConfigured
from stockscan.mail.serializers import SendGridEventsSerializer, SendGridWebhookResultSerializer
from stockscan.mail.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sendgrid_events_apply,
    sendgrid_events_parse,
    sendgrid_verified_payload,
)


class SendGridEventWebhookView(APIView):
    """SendGrid's event webhook. Authenticated by its ECDSA signature, not by a user: the raw
    body is verified before anything is parsed or stored."""

    authentication_classes = []
    permission_classes = [AllowAny]
    error_codes = [WebhookSignatureInvalid, WebhookNotConfigured]

    @extend_schema(
        request=SendGridEventsSerializer(),
        responses=SendGridWebhookResultSerializer,
        parameters=[
            OpenApiParameter(SIGNATURE_HEADER, location=OpenApiParameter.HEADER, required=True),
            OpenApiParameter(TIMESTAMP_HEADER, location=OpenApiParameter.HEADER, required=True),
        ],
        auth=[],
    )
    def post(self, request):
        payload = sendgrid_verified_payload(
            body=request.body,
            signature=request.headers.get(SIGNATURE_HEADER),
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            public_key=settings.SENDGRID_WEBHOOK_PUBLIC_KEY,
        )
        counts = sendgrid_events_apply(events=sendgrid_events_parse(payload))
        return Response(counts)
