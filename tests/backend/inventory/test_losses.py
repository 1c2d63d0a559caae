"""Losses: recorded by the team on its services, valued at the cost of the day."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import Loss, Product
from stockscan.orgs.models import Role
from tests.factories import CountLineFactory, LossFactory, ProductFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

LOSSES = "/api/losses/"


def losses_of(tenant) -> list[Loss]:
    with scopes_disabled():
        return list(Loss.objects.filter(tenant=tenant).order_by("id"))


@pytest.fixture
def cheese(workspace):
    return ProductFactory(
        tenant=workspace.tenant, service=workspace.kitchen, name="Comté", unit="kg", purchase_price=Decimal("21.50")
    )


def record(client, product, headers=None, **fields):
    body = {"product": product.pk, "quantity": "1", "reason": "expired", "occurred_on": "2026-10-12", **fields}
    return client.post(LOSSES, body, format="json", headers=headers)


def test_an_operator_records_a_loss_valued_at_the_cost_of_the_day(workspace, other_workspace, cheese):
    response = record(workspace.client(Role.OPERATOR), cheese, quantity="250", unit="g", note="oublié hors frigo")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["service"], body["unit"], body["product_quantity"], body["value"]) == (
        workspace.kitchen.pk,
        "g",
        "0.250",
        "5.38",
    )
    [loss] = losses_of(workspace.tenant)
    assert loss.author == workspace.user(Role.OPERATOR)
    assert losses_of(other_workspace.tenant) == []


def test_units_that_do_not_convert_are_refused(workspace, cheese):
    response = record(workspace.client(), cheese, unit="l")
    assert (response.status_code, list(response.json()["fields"])) == (400, ["unit"])
    assert losses_of(workspace.tenant) == []


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-2"}, "quantity"),
        ({"reason": "vanished"}, "reason"),
        ({"occurred_on": "yesterday"}, "occurred_on"),
        ({"unit": "tonnes"}, "unit"),
    ],
)
def test_bad_losses_are_field_errors(workspace, cheese, fields, bad_field):
    response = record(workspace.client(), cheese, **fields)
    assert response.status_code == 400
    assert bad_field in response.json()["fields"]


def test_a_retried_loss_is_recorded_once(workspace, cheese):
    client = workspace.client(Role.OPERATOR)
    first = record(client, cheese, headers=None, client_id="loss-1")
    again = record(client, cheese, client_id="loss-1")
    other_quantity = record(client, cheese, client_id="loss-1", quantity="3")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (other_quantity.status_code, other_quantity.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert len(losses_of(workspace.tenant)) == 1


def test_recording_needs_loss_management_but_reading_stays(workspace, cheese):
    LossFactory(product=cheese, occurred_on=date.today())
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    client = workspace.client()

    refused = record(client, cheese)
    listed = client.get(LOSSES)
    [loss] = listed.json()["results"]
    not_deleted = client.delete(f"{LOSSES}{loss['id']}/")

    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["feature"]) == ("FEATURE_NOT_INCLUDED", "loss_management")
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert (not_deleted.status_code, not_deleted.json()["code"]) == (403, "FEATURE_NOT_INCLUDED")
    assert client.get(LOSSES).json()["count"] == 1


def test_an_operator_of_the_bar_records_no_loss_in_the_kitchen(workspace, cheese):
    limited = workspace.client("operator_bar")
    kitchen_loss = LossFactory(product=cheese, occurred_on=date(2026, 10, 3))

    recorded = record(limited, cheese)  # held to the bar, where the cheese is not
    refused = [
        limited.patch(f"{LOSSES}{kitchen_loss.pk}/", {"quantity": "9"}, format="json"),
        limited.delete(f"{LOSSES}{kitchen_loss.pk}/"),
    ]

    # Another service's product reads as one that does not exist, as it would in a URL.
    assert (recorded.status_code, recorded.json()["code"], list(recorded.json()["fields"])) == (
        404,
        "NOT_FOUND",
        ["product"],
    )
    assert [response.status_code for response in refused] == [404] * 2
    with scopes_disabled():
        assert list(Loss.objects.filter(product=cheese).values_list("quantity", flat=True)) == [kitchen_loss.quantity]


def test_essentiel_does_not_list_losses_older_than_its_history(workspace, cheese):
    today = timezone.localdate()
    LossFactory(product=cheese, occurred_on=today)
    old = LossFactory(product=cheese, occurred_on=today.replace(year=today.year - 1))
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    client = workspace.client()

    listed = [loss["id"] for loss in client.get(LOSSES).json()["results"]]

    assert old.pk not in listed
    assert len(listed) == 1
    assert client.get(f"{LOSSES}{old.pk}/").status_code == 404


def test_losses_are_listed_per_month_and_per_service(workspace, other_workspace, cheese):
    october = LossFactory(product=cheese, occurred_on=date(2026, 10, 31))
    LossFactory(product=cheese, occurred_on=date(2026, 11, 1))
    bar_loss = LossFactory(
        product__tenant=workspace.tenant, product__service=workspace.bar, occurred_on=date(2026, 10, 5)
    )
    LossFactory(
        product__tenant=other_workspace.tenant, product__service=other_workspace.kitchen, occurred_on=date(2026, 10, 5)
    )

    kitchen_october = workspace.client().get(LOSSES, {"service": workspace.kitchen.pk, "month": "2026-10"})
    limited = workspace.client("operator_bar").get(LOSSES, {"month": "2026-10"})

    assert [loss["id"] for loss in kitchen_october.json()["results"]] == [october.pk]
    assert [loss["id"] for loss in limited.json()["results"]] == [bar_loss.pk]
    assert workspace.client().get(LOSSES, {"month": "2026-14"}).json()["code"] == "INVALID_MONTH"


def test_the_product_must_belong_to_the_service(workspace, cheese):
    response = record(workspace.client(), cheese, service=workspace.bar.pk)
    assert (response.status_code, list(response.json()["fields"])) == (400, ["product"])


# --- Products with history are archived, not deleted.


def test_deleting_a_product_with_history_archives_it(workspace, cheese):
    counted = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen)
    CountLineFactory(count__service=workspace.kitchen, product=counted)
    LossFactory(product=cheese)
    fresh = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen)
    client = workspace.client()

    responses = [client.delete(f"/api/products/{product.pk}/") for product in (counted, cheese, fresh)]

    assert [r.status_code for r in responses] == [200, 200, 204]
    assert responses[0].json()["archived"] is True
    with scopes_disabled():
        assert set(Product.objects.filter(tenant=workspace.tenant).values_list("pk", "archived")) == {
            (counted.pk, True),
            (cheese.pk, True),
        }
