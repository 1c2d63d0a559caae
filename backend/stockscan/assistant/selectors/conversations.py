"""A member's conversations with the assistant: only their own, in the current tenant."""

from django.db.models import Count

from stockscan.assistant.errors import ConversationNotFound
from stockscan.assistant.models import Conversation, Exchange


def conversation_list(*, tenant, user):
    return (
        Conversation.objects.filter(tenant=tenant, user=user)
        .annotate(exchange_count=Count("exchanges"))
        .order_by("-last_exchange_at", "-id")
    )


def member_conversation(*, tenant, user, conversation_id) -> Conversation:
    """The member's own conversation; another member's, or another tenant's, is not found."""
    conversation = Conversation.objects.filter(tenant=tenant, user=user, pk=conversation_id).first()
    if conversation is None:
        raise ConversationNotFound()
    return conversation


def recent_exchanges(conversation: Conversation) -> list[Exchange]:
    exchanges = Exchange.objects.filter(tenant_id=conversation.tenant_id, conversation=conversation).order_by("-id")
    return list(reversed(exchanges[: Conversation.MAX_EXCHANGES]))
