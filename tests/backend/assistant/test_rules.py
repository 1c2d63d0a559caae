"""The deterministic engine on the bar's November: what a person reading the month would
point out, in that order, with the actions our code allows to each role."""

import pytest

from stockscan.orgs.models import Role
from tests.backend.assistant.conftest import NOVEMBER  # noqa: F401  (the fixture month)

pytestmark = pytest.mark.django_db

ASSISTANT = "/api/ai/assistant/"


def ask(workspace, role=Role.OWNER, language="en", **body):
    client = workspace.client(role)
    response = client.post(ASSISTANT, {"month": "2026-11", **body}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_bar_month_in_english(bar_month, settings):
    settings.AI_ENABLED = False
    answer = ask(bar_month.workspace, service=bar_month.workspace.bar.pk)
    assert answer["mode"] == "fallback"
    assert answer["reason"] == "AI_DISABLED"
    assert answer["message"] == "5 points to watch for Bar in November 2026."
    assert [(i["severity"], i["title"], i["detail"]) for i in answer["insights"]] == [
        (
            "critical",
            "Dates coming up",
            "1 stock line reaches its date soon. The nearest in 2 days: use it, sell it or record it as a loss.",
        ),
        ("warning", "Reorder", "2 bottles are below their minimum. Among them: “Gin”, “Rhum ambré”."),
        (
            "warning",
            "Losses are rising",
            "Losses come to €60.30 this month, €41.40 more than last month; most of it: Breakage (€56.70).",
        ),
        ("warning", "Missing purchase prices", "1 bottle has no purchase price: the stock value leaves it out."),
        ("warning", "Stock that does not move", "1 bottle has not moved for 3 months: €48.00 of stock asleep."),
    ]
    bar = bar_month.workspace.bar.pk
    assert answer["actions"] == [
        {
            "label": "Open the alerts",
            "kind": "navigate",
            "href": f"/alerts?month=2026-11&service={bar}",
            "action_key": None,
            "requires_confirmation": False,
        },
        {
            "label": "Set minimum quantities",
            "kind": "navigate",
            "href": f"/products?missing=min_quantity&service={bar}",
            "action_key": None,
            "requires_confirmation": False,
        },
        {
            "label": "Review the losses: Breakage",
            "kind": "navigate",
            "href": f"/losses?month=2026-11&reason=breakage&service={bar}",
            "action_key": None,
            "requires_confirmation": False,
        },
        {
            "label": "Complete the prices",
            "kind": "navigate",
            "href": f"/products?missing=price&service={bar}",
            "action_key": None,
            "requires_confirmation": False,
        },
    ]
    assert answer["question"] == "What should I do with the stock that reaches its date soon?"
    fact_ids = {fact["id"] for fact in answer["facts"]}
    for insight in answer["insights"]:
        assert set(insight["facts"]) <= fact_ids


def test_french_first(bar_month, settings):
    settings.AI_ENABLED = False
    answer = ask(bar_month.workspace, language="fr", service=bar_month.workspace.bar.pk)
    assert answer["message"] == "5 points à surveiller pour Bar en novembre 2026."
    first, second, third = answer["insights"][:3]
    assert first["title"] == "Dates proches"
    assert second["detail"] == "2 bouteilles sont sous leur minimum. Notamment : « Gin », « Rhum ambré »."
    assert "60,30\u00a0€" in third["detail"] and "Casse" in third["detail"]
    assert answer["actions"][0]["label"] == "Ouvrir les alertes"


def test_losses_scope_puts_losses_first(bar_month, settings):
    settings.AI_ENABLED = False
    answer = ask(bar_month.workspace, scope="losses", service=bar_month.workspace.bar.pk)
    assert answer["insights"][0]["title"] == "Losses are rising"


def test_an_operator_is_offered_only_what_its_role_may_do(bar_month, settings):
    settings.AI_ENABLED = False
    answer = ask(bar_month.workspace, role="operator_bar")
    hrefs = [action["href"] for action in answer["actions"]]
    assert not any(href and href.startswith("/products?missing") for href in hrefs)
    assert all(action["action_key"] != "export_month" for action in answer["actions"])
    assert hrefs[0].startswith("/alerts?")


def test_a_quiet_month_still_says_three_things(workspace, other_workspace, settings, today):
    settings.AI_ENABLED = False
    answer = ask(workspace, service=workspace.kitchen.pk)
    assert len(answer["insights"]) == 3
    assert answer["insights"][0]["title"] == "Count to start"
    assert answer["insights"][0]["detail"] == "The count of November 2026 has not started yet."
    assert answer["actions"][0]["label"] == "Start the count of November 2026"
    assert answer["actions"][0]["href"] == f"/counts/2026-11?service={workspace.kitchen.pk}"


def test_the_trade_words(bar_month, settings):
    """A kitchen counts ingredients where a bar counts bottles."""
    settings.AI_ENABLED = False
    workspace = bar_month.workspace
    bar = workspace.bar
    bar.service_type = "kitchen"
    from django_scopes import scopes_disabled

    with scopes_disabled():
        bar.save()
    answer = ask(workspace, service=bar.pk)
    assert answer["insights"][1]["detail"].startswith("2 ingredients are below their minimum.")


def test_a_quiet_month_in_french(workspace, other_workspace, settings, today):
    settings.AI_ENABLED = False
    answer = ask(workspace, language="fr", service=workspace.kitchen.pk)
    assert answer["message"] == "3 points à surveiller pour Cuisine en novembre 2026."
    assert answer["insights"][0]["detail"] == "Le comptage de novembre 2026 n’a pas encore commencé."
    assert answer["actions"][0]["label"] == "Commencer le comptage de novembre 2026"
    assert answer["question"] == "Comment commencer vite le comptage du mois ?"
