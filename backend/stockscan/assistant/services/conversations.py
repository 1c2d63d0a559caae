"""Writes of the assistant's conversations: an exchange added (the thread keeps its last
MAX_EXCHANGES), a conversation deleted by its member, and the retention sweep."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from stockscan.assistant.models import Conversation, Exchange


def exchange_record(
    *, tenant, user, conversation: Conversation | None, scope: str, question: str, answer: str, mode: str
) -> Conversation:
    now = timezone.now()
    with transaction.atomic():
        if conversation is None:
            conversation = Conversation.objects.create(tenant=tenant, user=user, scope=scope, last_exchange_at=now)
        else:
            Conversation.objects.filter(pk=conversation.pk).update(last_exchange_at=now)
        Exchange.objects.create(tenant=tenant, conversation=conversation, question=question, answer=answer, mode=mode)
        kept = (
            Exchange.objects.filter(conversation=conversation)
            .order_by("-id")
            .values_list("id", flat=True)[Conversation.MAX_EXCHANGES - 1 : Conversation.MAX_EXCHANGES]
        )
        oldest_kept = next(iter(kept), None)
        if oldest_kept is not None:
            Exchange.objects.filter(conversation=conversation, id__lt=oldest_kept).delete()
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    conversation.delete()


def conversations_purge(*, now=None) -> int:
    """Deletes every conversation whose last exchange is older than the retention; returns
    how many. Runs across tenants (a command), so outside any tenant scope."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AI_CONVERSATION_RETENTION_DAYS)
    _deleted, by_model = Conversation.objects.filter(last_exchange_at__lt=cutoff).delete()
    return by_model.get(Conversation._meta.label, 0)
