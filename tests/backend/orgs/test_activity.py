"""GET /api/activity/: what happened in the business, in words a person reads, newest first;
owners and managers only; filterable by member and kind; another tenant's rows never show."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stockscan.orgs.models import Role
from tests.factories import ProductFactory

URL = "/api/activity/"


def _happen(workspace, category_name="Cave"):
    """A few real actions through the API, by different members."""
    owner, manager = workspace.client(Role.OWNER), workspace.client(Role.MANAGER)
    product = ProductFactory(service=workspace.kitchen, name="Beurre doux")
    assert (
        manager.post(
            "/api/losses/",
            {
                "product": product.pk,
                "quantity": "1",
                "reason": "breakage",
                "occurred_on": "2019-06-10",
                "service": workspace.kitchen.pk,
            },
            format="json",
        ).status_code
        == 201
    )
    category = {"name": category_name, "service": workspace.kitchen.pk}
    assert owner.post("/api/categories/", category, format="json").status_code == 201
    assert owner.patch("/api/auth/tenant/", {"currency": "XOF"}, format="json").status_code == 200


def _name(user) -> str:
    return user.get_full_name() or user.username


def test_the_feed_tells_what_happened_newest_first(workspace, other_workspace, settings):
    settings.TIME_ZONE = "UTC"
    _happen(workspace)
    _happen(other_workspace)
    owner = workspace.user(Role.OWNER)

    body = workspace.client(Role.OWNER).get(URL, HTTP_ACCEPT_LANGUAGE="fr").json()
    messages = [item["message"] for item in body["results"]]

    assert messages == [
        f"{_name(owner)} a modifié les réglages de l’entreprise",
        f"{_name(owner)} a créé la catégorie Cave",
        f"{_name(workspace.user(Role.MANAGER))} a enregistré une perte (casse)",
    ]
    assert body["count"] == 3
    assert body["results"][0]["actor"] == {"id": owner.pk, "name": _name(owner)}
    assert [item["kind"] for item in body["results"]] == ["tenant", "category", "loss"]


def test_english_by_accept_language(workspace):
    _happen(workspace)

    body = workspace.client(Role.MANAGER).get(URL, HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["results"][-1]["message"] == f"{_name(workspace.user(Role.MANAGER))} recorded a loss (breakage)"


def test_filters_by_member_and_kind(workspace):
    _happen(workspace)
    client = workspace.client(Role.OWNER)

    by_manager = client.get(URL, {"actor": workspace.user(Role.MANAGER).pk}).json()
    categories = client.get(URL, {"kind": "category"}).json()
    unknown = client.get(URL, {"kind": "nothing"})

    assert [item["action"] for item in by_manager["results"]] == ["loss.recorded"]
    assert [item["action"] for item in categories["results"]] == ["category.created"]
    assert (unknown.status_code, list(unknown.json()["fields"])) == (400, ["kind"])


@pytest.mark.parametrize("role", [Role.OPERATOR, "operator_bar"])
def test_operators_do_not_read_the_feed(workspace, role):
    assert workspace.client(role).get(URL).status_code == 403


def test_a_page_costs_the_same_queries_whatever_its_length(workspace):
    _happen(workspace)
    client = workspace.client(Role.OWNER)
    client.get(URL)  # the tenant context is loaded once per user, then cached

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for round_ in range(3):
        _happen(workspace, category_name=f"Cave {round_}")
    with CaptureQueriesContext(connection) as many:
        # Each later round writes a loss and a category; the currency is already XOF: no change, no row.
        assert len(client.get(URL).json()["results"]) == 3 + 3 * 2

    assert len(many.captured_queries) == len(few.captured_queries)


def test_counting_is_told_as_one_sentence_per_member_month_and_day(workspace):
    """« Awa a compté 3 produits » — not one row per line counted."""
    from tests.factories import StockCountFactory

    count = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2019, 6, 1))
    barman, manager = workspace.client("operator_bar"), workspace.client(Role.MANAGER)
    for client, products in ((barman, 3), (manager, 1)):
        for _ in range(products):
            product = ProductFactory(service=workspace.bar)
            body = {"count": count.pk, "product": product.pk, "quantity": "2"}
            assert client.post("/api/count-lines/", body, format="json").status_code == 201

    body = workspace.client(Role.OWNER).get(URL, {"kind": "count"}, HTTP_ACCEPT_LANGUAGE="fr").json()

    messages = sorted(item["message"] for item in body["results"])
    assert messages == sorted(
        [
            f"{_name(workspace.user('operator_bar'))} a compté 3 produits — Bar (2019-06)",
            f"{_name(workspace.user(Role.MANAGER))} a compté 1 produit — Bar (2019-06)",
        ]
    )
