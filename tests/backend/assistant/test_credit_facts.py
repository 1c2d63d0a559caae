"""The credit book's figures as facts: computed by hand on a small book, aggregates only (no
customer's name, phone or email in the facts or in what the model receives), the scope
"credits" answering from them, and hidden from members who may not view the book."""

import json
from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled

from stockscan.assistant.selectors.facts import assistant_facts
from stockscan.credits.models import Customer
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role, Service
from stockscan.orgs.tenancy import permissions
from tests.backend.assistant.conftest import NOVEMBER, TODAY
from tests.backend.assistant.test_model import ask, fake_openai  # noqa: F401 -- the fixture
from tests.backend.credits.helpers import add_customer, credit, pay
from tests.plans import set_plan
from tests.support.fake_openai import obedient_answer

pytestmark = pytest.mark.django_db

CUSTOMERS = {
    "awa": {"name": "Awa Diallo", "phone": "+33612345678", "email": "awa.diallo@example.test"},
    "bineta": {"name": "Bineta Sow", "phone": "+33698765432", "email": "bineta.sow@example.test"},
    "cheikh": {"name": "Cheikh Ndiaye", "phone": "+33611223344", "email": "cheikh@example.test"},
}


@pytest.fixture
def book(bar_month, other_workspace):
    """Awa owes 110.00, all overdue (70.00 left of a 100-day-old credit, 40.00 of a 45-day-old
    one; she paid 30.00 this month); Bineta owes 25.00, due in 20 days; Cheikh paid off last
    month. Another business's customer owes more, never counted."""
    ws = bar_month.workspace
    people = {key: add_customer(ws, **fields) for key, fields in CUSTOMERS.items()}
    credit(ws, people["awa"], "100.00", on=TODAY - timedelta(days=100), due=TODAY - timedelta(days=70))
    credit(ws, people["awa"], "40.00", on=TODAY - timedelta(days=45), due=TODAY - timedelta(days=15))
    pay(ws, people["awa"], "30.00", on=TODAY - timedelta(days=2))
    credit(ws, people["bineta"], "25.00", on=TODAY - timedelta(days=10), due=TODAY + timedelta(days=20))
    credit(ws, people["cheikh"], "6.00", on=TODAY - timedelta(days=70), due=TODAY - timedelta(days=40))
    pay(ws, people["cheikh"], "6.00", on=TODAY - timedelta(days=30))
    set_plan(other_workspace.tenant, PlanCode.PRO)
    stranger = add_customer(other_workspace, name="Autre Client")
    credit(other_workspace, stranger, "999", on=TODAY - timedelta(days=5), due=TODAY - timedelta(days=1))
    return bar_month


def credit_facts(workspace, role=Role.OWNER, scope_name="inventory") -> dict[str, str]:
    with scopes_disabled():
        services = {s.pk: s for s in Service.objects.filter(tenant=workspace.tenant)}
    with scope(tenant=workspace.tenant.pk):
        sheet = assistant_facts(
            tenant=workspace.tenant,
            membership=workspace.members[role],
            month=NOVEMBER,
            services=services,
            service=workspace.bar,
            scope=scope_name,
        )
    return {fact["id"]: fact["value"] for fact in sheet.as_list() if fact["id"].startswith("credits.")}


def test_the_credit_book_by_hand(book):
    assert credit_facts(book.workspace) == {
        "credits.outstanding": "135.00",
        "credits.overdue": "110.00",
        "credits.customers_owing": "2",
        "credits.customers_overdue": "1",
        "credits.collected_this_month": "30.00",
        "credits.ageing.0_30": "25.00",
        "credits.ageing.31_60": "40.00",
        "credits.ageing.61_90": "0.00",
        "credits.ageing.90_plus": "70.00",
    }


def test_amounts_in_the_tenant_currency(book):
    tenant = book.workspace.tenant
    tenant.currency = "XOF"
    with scopes_disabled():
        tenant.save()
    assert credit_facts(book.workspace)["credits.outstanding"] == "135"


def test_operators_see_the_book_they_may_view(book):
    assert credit_facts(book.workspace, role="operator_bar")["credits.overdue"] == "110.00"


def test_hidden_from_a_role_that_may_not_view_credits(book, monkeypatch):
    """No role lacks VIEW_CREDITS today; a role without it (the permission table is data) gets
    no credit fact, whatever the scope."""
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        Role.OPERATOR,
        permissions.ROLE_PERMISSIONS[Role.OPERATOR] - {permissions.Perm.VIEW_CREDITS},
    )
    assert credit_facts(book.workspace, role="operator_bar", scope_name="credits") == {}
    answer = ask(book.workspace, role="operator_bar", scope="credits")
    assert not [fact for fact in answer["facts"] if fact["id"].startswith("credits.")]
    assert not [action for action in answer["actions"] if "customers" in (action["href"] or "")]


def test_a_plan_without_the_credit_book_has_them_only_when_asked(book):
    set_plan(book.workspace.tenant, PlanCode.ESSENTIEL)
    assert credit_facts(book.workspace) == {}
    assert credit_facts(book.workspace, scope_name="credits")["credits.outstanding"] == "135.00"


def test_the_credits_scope_answers_from_the_book(book):
    answer = ask(book.workspace, language="en", scope="credits")
    assert answer["mode"] == "fallback"
    first = answer["insights"][0]
    assert first["title"] == "Overdue credits"
    assert first["severity"] == "critical"  # 110.00 of 135.00 is overdue
    assert first["detail"] == "1 customer is past a due date: €110.00 overdue, out of €135.00 owed."
    assert "Old debts" in [insight["title"] for insight in answer["insights"]]
    actions = {action["label"]: action for action in answer["actions"]}
    assert actions["Send reminders to the overdue customers"]["action_key"] == "remind_overdue_customers"
    assert actions["Send reminders to the overdue customers"]["requires_confirmation"] is True
    assert actions["Open the overdue customers"]["href"] == "/customers?overdue=true"
    assert actions["Set up automatic reminders"]["href"] == "/credit-settings"
    assert answer["question"] == "How do I get the overdue credits paid?"


def test_in_french_by_default(book):
    answer = ask(book.workspace, language="fr", scope="credits")
    assert answer["insights"][0]["title"] == "Crédits en retard"


def test_an_operator_is_not_offered_the_managers_settings(book):
    answer = ask(book.workspace, role="operator_bar", scope="credits")
    hrefs = {action["href"] for action in answer["actions"]}
    assert "/customers?overdue=true" in hrefs
    assert "/credit-settings" not in hrefs


def test_no_personal_data_in_the_facts_or_sent_to_the_model(book, fake_openai):  # noqa: F811
    answer = ask(book.workspace, scope="credits")
    assert answer["mode"] == "ai", answer["reason"]
    sent = json.dumps(fake_openai.requests[0].body, ensure_ascii=False)
    facts = json.dumps(answer["facts"], ensure_ascii=False)
    assert "credits.overdue" in sent
    for person in CUSTOMERS.values():
        for value in (person["name"], person["name"].split()[0], person["phone"], person["phone"][3:], person["email"]):
            assert value not in sent and value not in facts, value
    assert "Autre Client" not in sent


def test_the_cached_facts_follow_the_book(book):
    first = ask(book.workspace, scope="credits")
    outstanding = {fact["id"]: fact["value"] for fact in first["facts"]}["credits.outstanding"]
    with scopes_disabled():
        bineta = Customer.objects.get(tenant=book.workspace.tenant, name="Bineta Sow")
    pay(book.workspace, bineta, "25.00", on=TODAY)
    again = {fact["id"]: fact["value"] for fact in ask(book.workspace, scope="credits")["facts"]}
    assert outstanding == "135.00" and again["credits.outstanding"] == "110.00"
    assert again["credits.collected_this_month"] == "55.00"


def test_the_model_may_quote_the_ageing_of_the_book(book, fake_openai):  # noqa: F811
    message = "70,00 € sont dus sur des crédits de plus de 90 jours ; 110,00 € sont en retard."
    fake_openai.reply = lambda data: {**obedient_answer(data), "message": message}
    answer = ask(book.workspace, scope="credits", language="fr")
    assert answer["mode"] == "ai", answer["reason"]
    assert answer["message"] == message
