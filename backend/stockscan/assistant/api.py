from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from stockscan.assistant.errors import ConversationNotFound
from stockscan.assistant.models import Conversation
from stockscan.assistant.selectors.conversations import conversation_list, member_conversation
from stockscan.assistant.serializers import (
    AssistantAnswerSerializer,
    AssistantQuestionSerializer,
    ConversationSerializer,
)
from stockscan.assistant.services.answer import Question, assistant_answer
from stockscan.assistant.services.conversations import conversation_delete
from stockscan.assistant.throttles import AssistantMemberThrottle
from stockscan.core.errors import ErrorCode
from stockscan.core.months import parse_month
from stockscan.entitlements.errors import MonthOutsideHistory
from stockscan.entitlements.selectors import current_period
from stockscan.orgs.tenancy.permissions import Perm
from stockscan.orgs.tenancy.resolution import ServiceNotFound
from stockscan.orgs.tenancy.views import TenantAPIView, TenantGenericAPIView

ALL_SERVICES = "all"


class AssistantView(TenantAPIView):
    """Ask the assistant about the month (this month by default) of a service, or of every
    service the member sees. Always 200: `mode` "ai" when the model answered and its answer
    held up against the facts, else "fallback" — the deterministic engine's answer — with
    `reason` saying why (AI off, not configured, plan, quota, timeout, rate limit, upstream
    error, invalid, refused or ungrounded output). Only AI answers use the monthly quota. A
    member asking faster than AI_THROTTLE_RATE gets 429."""

    permissions = {"POST": Perm.VIEW_TENANT}
    throttle_classes = [AssistantMemberThrottle]
    error_codes = [ServiceNotFound, ConversationNotFound, MonthOutsideHistory, (429, ErrorCode.THROTTLED)]

    @extend_schema(request=AssistantQuestionSerializer, responses=AssistantAnswerSerializer)
    def post(self, request):
        params = AssistantQuestionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        tenant = request.tenant
        month = parse_month(data["month"]) if data.get("month") else current_period(tenant)
        service = None if data.get("service") == ALL_SERVICES else self.get_service(required=False)
        conversation = None
        if "conversation" in data:
            conversation = member_conversation(tenant=tenant, user=request.user, conversation_id=data["conversation"])
        question = Question(
            scope=data["scope"],
            month=month,
            service=service,
            text=data.get("question", ""),
            conversation=conversation,
        )
        body = assistant_answer(
            tenant=tenant,
            membership=request.membership,
            services=request.tenant_context.services,
            question=question,
        )
        return Response(AssistantAnswerSerializer(body).data)


class ConversationListView(mixins.ListModelMixin, TenantGenericAPIView):
    """The member's own conversations with the assistant, latest first (kept 90 days)."""

    permissions = {"GET": Perm.VIEW_TENANT}
    serializer_class = ConversationSerializer
    queryset = Conversation.objects.none()

    def get_queryset(self):
        return conversation_list(tenant=self.request.tenant, user=self.request.user)

    def get(self, request):
        return self.list(request)


class ConversationDetailView(TenantGenericAPIView):
    """Delete one of the member's own conversations (another member's is not found)."""

    permissions = {"DELETE": Perm.VIEW_TENANT}
    queryset = Conversation.objects.none()
    error_codes = [ConversationNotFound]

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        conversation = member_conversation(tenant=request.tenant, user=request.user, conversation_id=pk)
        conversation_delete(conversation=conversation)
        return Response(status=status.HTTP_204_NO_CONTENT)
