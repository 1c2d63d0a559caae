"""Follow-up questions: a member's threads, private to that member, the last 10 exchanges
kept, deleted 90 days after their last exchange."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.assistant.models import Conversation, Exchange
from stockscan.orgs.models import Role
from tests.factories import ConversationFactory
from tests.support.fake_openai import FakeOpenAI

pytestmark = pytest.mark.django_db

ASSISTANT = "/api/ai/assistant/"
CONVERSATIONS = "/api/ai/conversations/"


def ask(client, **body):
    response = client.post(ASSISTANT, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_question_starts_a_thread_that_the_next_one_continues(workspace, settings):
    settings.AI_ENABLED = False
    client = workspace.client()
    assert ask(client)["conversation"] is None  # the month's analysis alone keeps no thread
    first = ask(client, question="Que dois-je recommander ?")
    second = ask(client, question="Et pour la cuisine ?", conversation=first["conversation"])
    assert second["conversation"] == first["conversation"]
    with scopes_disabled():
        questions = list(
            Exchange.objects.filter(conversation_id=first["conversation"]).values_list("question", flat=True)
        )
    assert questions == ["Que dois-je recommander ?", "Et pour la cuisine ?"]


def test_the_model_reads_the_thread(workspace, settings):
    server = FakeOpenAI().start()
    try:
        settings.AI_ENABLED, settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = True, "sk-test", server.base_url
        client = workspace.client()
        first = ask(client, question="Que dois-je recommander ?")
        ask(client, question="Et ensuite ?", conversation=first["conversation"])
        history = server.requests[1].data["history"]
        assert history == [{"question": "Que dois-je recommander ?", "answer": first["message"]}]
    finally:
        server.stop()


def test_the_last_ten_exchanges_are_kept(workspace, settings):
    settings.AI_ENABLED, settings.AI_THROTTLE_RATE = False, "100/min"
    client = workspace.client()
    conversation = ask(client, question="Question 0")["conversation"]
    for number in range(1, 12):
        ask(client, question=f"Question {number}", conversation=conversation)
    with scopes_disabled():
        kept = list(Exchange.objects.filter(conversation_id=conversation).values_list("question", flat=True))
    assert kept == [f"Question {number}" for number in range(2, 12)]


def test_a_thread_is_private_to_its_member(workspace, other_workspace, settings):
    settings.AI_ENABLED = False
    owner, manager = workspace.client(), workspace.client(Role.MANAGER)
    mine = ask(owner, question="Mon stock ?")["conversation"]
    assert manager.post(ASSISTANT, {"question": "?", "conversation": mine}, format="json").status_code == 404
    assert manager.get(CONVERSATIONS).json()["results"] == []
    assert manager.delete(f"{CONVERSATIONS}{mine}/").status_code == 404
    foreign = other_workspace.client().post(ASSISTANT, {"question": "?", "conversation": mine}, format="json")
    assert foreign.status_code == 404
    listed = owner.get(CONVERSATIONS).json()["results"]
    assert [(row["id"], row["exchanges"], row["scope"]) for row in listed] == [(mine, 1, "inventory")]


def test_a_member_deletes_a_thread(workspace, settings):
    settings.AI_ENABLED = False
    client = workspace.client()
    mine = ask(client, question="Mon stock ?")["conversation"]
    assert client.delete(f"{CONVERSATIONS}{mine}").status_code == 204
    with scopes_disabled():
        assert not Conversation.objects.filter(pk=mine).exists()
        assert not Exchange.objects.filter(conversation_id=mine).exists()


def test_threads_are_deleted_ninety_days_after_their_last_exchange(workspace, other_workspace):
    owner = workspace.user(Role.OWNER)
    now = timezone.now()
    old = ConversationFactory(tenant=workspace.tenant, user=owner, last_exchange_at=now - timedelta(days=91))
    recent = ConversationFactory(tenant=workspace.tenant, user=owner, last_exchange_at=now - timedelta(days=89))
    foreign_old = ConversationFactory(
        tenant=other_workspace.tenant, user=other_workspace.user(Role.OWNER), last_exchange_at=now - timedelta(days=120)
    )
    out = StringIO()
    call_command("assistant_purge", stdout=out)
    assert out.getvalue().strip() == "2 conversation(s) deleted."
    with scopes_disabled():
        assert set(Conversation.objects.values_list("pk", flat=True)) == {recent.pk}
    assert old.pk != foreign_old.pk


def test_the_list_costs_the_same_at_one_and_many_threads(workspace, django_assert_max_num_queries):
    owner = workspace.user(Role.OWNER)
    client = workspace.client()
    ConversationFactory(tenant=workspace.tenant, user=owner)
    client.get(CONVERSATIONS)
    with django_assert_max_num_queries(8) as one:
        client.get(CONVERSATIONS)
    for _ in range(20):
        ConversationFactory(tenant=workspace.tenant, user=owner)
    with django_assert_max_num_queries(len(one)):
        assert len(client.get(CONVERSATIONS).json()["results"]) == 21
