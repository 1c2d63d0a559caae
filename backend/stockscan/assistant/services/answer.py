"""One question to the assistant, answered: the facts, the deterministic answer, and — when
AI is on, configured, in the plan and within the month's quota — the model's answer, checked
against the facts. Always an answer: a failure of the model is a fallback with its reason.

Quota pays for AI answers only: a unit of `ai_requests_monthly_limit` is reserved before the
call (one conditional UPDATE: exactly the remaining number of concurrent requests get one)
and given back when the answer ends up the fallback. The model is called outside any
transaction, so no row stays locked while it thinks."""

import time
import uuid
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from stockscan.assistant.errors import FallbackReason
from stockscan.assistant.models import AssistantRequest, Conversation, Mode
from stockscan.assistant.selectors.conversations import recent_exchanges
from stockscan.assistant.selectors.facts import CREDIT_AGEING_DAYS, FactSheet
from stockscan.assistant.selectors.facts_cache import cached_assistant_facts
from stockscan.assistant.services.conversations import exchange_record
from stockscan.assistant.services.grounding import check_answer
from stockscan.assistant.services.model import ModelFailure, ModelReply, ask_model
from stockscan.assistant.services.rules import Action, Answer, Insight, Phrasing, fallback_answer
from stockscan.entitlements.enforcement import quota_reservation
from stockscan.entitlements.errors import LimitExceeded
from stockscan.entitlements.models import UsageCounter
from stockscan.entitlements.plans import Feature, Limit, Metric
from stockscan.entitlements.selectors import current_period, effective_plan


@dataclass(frozen=True)
class Question:
    scope: str
    month: date
    service: object | None
    text: str
    conversation: Conversation | None


def _precheck(tenant) -> FallbackReason | None:
    """Why the model will not be asked, before any quota is touched."""
    if not settings.AI_ENABLED:
        return FallbackReason.AI_DISABLED
    if not settings.OPENAI_API_KEY or not settings.AI_MODEL:
        return FallbackReason.AI_NOT_CONFIGURED
    if not effective_plan(tenant).has(Feature.AI_ASSISTANT_BASIC):
        return FallbackReason.FEATURE_NOT_INCLUDED
    return None


def _model_data(
    sheet: FactSheet, question: Question, insights: list[Insight], allowed: dict[str, Action], history
) -> dict:
    """What the model receives: aggregates and catalog names only — no member, customer,
    email or phone ever leaves."""
    phrasing = Phrasing(sheet)
    return {
        "scope": question.scope,
        "month": str(phrasing.month),
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "currency": sheet.currency,
        "facts": [{**fact.as_dict(), "display": phrasing[fact.id]} for fact in sheet.facts.values()],
        "insights": [{**insight.as_dict(), "actions": insight.actions} for insight in insights],
        "actions": [{"id": action.id, "label": action.label} for action in allowed.values()],
        "history": [{"question": exchange.question, "answer": exchange.answer} for exchange in history],
        "question": question.text or None,
    }


def _from_model(reply: ModelReply, allowed: dict[str, Action]) -> Answer:
    answer = reply.answer
    return Answer(
        message=answer.message,
        insights=[insight.model_dump() for insight in answer.insights],
        actions=[allowed[action_id].as_dict() for action_id in answer.action_ids],
        question=answer.question,
        action_ids=list(answer.action_ids),
    )


def _usage(tenant) -> dict:
    used = UsageCounter.objects.filter(
        tenant=tenant, metric=Metric.AI_REQUESTS.value, period=current_period(tenant)
    ).values_list("used", flat=True)
    return {"used": next(iter(used), 0), "limit": effective_plan(tenant).limit(Limit.AI_MONTHLY)}


def assistant_answer(*, tenant, membership, services: dict, question: Question) -> dict:
    started = time.monotonic()
    sheet = cached_assistant_facts(
        tenant=tenant,
        membership=membership,
        month=question.month,
        services=services,
        service=question.service,
        scope=question.scope,
    )
    where = sheet.service.name if sheet.service is not None else _("all your services")
    answer, insights, allowed = fallback_answer(sheet, scope=question.scope, role=membership.role, where=where)
    mode, reason, reply, failure = Mode.FALLBACK, _precheck(tenant), None, None
    if reason is None:
        history = recent_exchanges(question.conversation) if question.conversation is not None else []
        data = _model_data(sheet, question, insights, allowed, history)
        extra_numbers = (question.month.year, question.month.month, len(insights))
        if sheet.credits_included:  # "owed on credits 31 to 60 days old" may be quoted
            extra_numbers += CREDIT_AGEING_DAYS
        try:
            with quota_reservation(tenant, Metric.AI_REQUESTS):
                reply = ask_model(data)
                check_answer(
                    reply.answer,
                    facts=sheet.facts,
                    offered_actions=set(allowed),
                    extra_numbers=(*extra_numbers, len(reply.answer.insights)),
                    names=[*sheet.names, where],
                )
        except LimitExceeded:
            reason = FallbackReason.LIMIT_AI_REQUESTS_MONTH
        except ModelFailure as error:
            reason, failure = error.reason, error
        else:
            answer, mode = _from_model(reply, allowed), Mode.AI
    tokens_source = reply or failure
    record = AssistantRequest.objects.create(
        request_id=uuid.uuid4(),
        tenant=tenant,
        user=membership.user,
        scope=question.scope,
        mode=mode,
        reason=reason or "",
        model=settings.AI_MODEL if reply is not None or failure is not None else "",
        latency_ms=int((time.monotonic() - started) * 1000),
        model_latency_ms=int(reply.seconds * 1000) if reply is not None else None,
        tokens_in=getattr(tokens_source, "tokens_in", None),
        tokens_out=getattr(tokens_source, "tokens_out", None),
    )
    conversation = question.conversation
    if question.text or conversation is not None:
        conversation = exchange_record(
            tenant=tenant,
            user=membership.user,
            conversation=conversation,
            scope=question.scope,
            question=question.text,
            answer=answer.message,
            mode=mode,
        )
    return {
        "message": answer.message,
        "insights": answer.insights,
        "actions": answer.actions,
        "question": answer.question,
        "mode": mode,
        "reason": reason,
        "facts": sheet.as_list(),
        "usage": _usage(tenant),
        "request_id": str(record.request_id),
        "conversation": conversation.pk if conversation is not None else None,
    }
