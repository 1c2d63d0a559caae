"""Losses: recorded by the team on its services, valued at the cost of the day."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import Loss, Product
from stockscan.orgs.models import Role
from tests.factories import CountLineFactory, LossFactory, ProductFactory, StockCountFactory
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


# --- A closed month is closed for losses; operators change their own losses only


def test_a_closed_month_refuses_new_changed_and_deleted_losses(workspace, cheese):
    october = StockCountFactory(service=workspace.kitchen, month=date(2026, 10, 1))
    manager, operator = workspace.client(Role.MANAGER), workspace.client(Role.OPERATOR)
    breakage = record(manager, cheese, reason="breakage", occurred_on="2026-10-05").json()
    november = record(operator, cheese, occurred_on="2026-11-02").json()
    CountLineFactory(count=october, product=cheese)
    assert manager.post(f"/api/counts/{october.pk}/close/", {}, format="json").status_code == 200

    refused = [
        record(operator, cheese, occurred_on="2026-10-20"),
        manager.patch(f"{LOSSES}{breakage['id']}/", {"quantity": "3"}, format="json"),
        manager.delete(f"{LOSSES}{breakage['id']}/"),
        operator.patch(f"{LOSSES}{november['id']}/", {"occurred_on": "2026-10-30"}, format="json"),
    ]

    assert [(r.status_code, r.json()["code"]) for r in refused] == [(409, "MONTH_CLOSED")] * 4
    assert [(loss.quantity, loss.occurred_on) for loss in losses_of(workspace.tenant)] == [
        (Decimal("1"), date(2026, 10, 5)),
        (Decimal("1"), date(2026, 11, 2)),
    ]
    assert manager.post(f"/api/counts/{october.pk}/reopen/").status_code == 200
    assert manager.delete(f"{LOSSES}{breakage['id']}/").status_code == 204


def test_a_retried_loss_is_answered_after_its_month_closed(workspace, cheese):
    october = StockCountFactory(service=workspace.kitchen, month=date(2026, 10, 1))
    CountLineFactory(count=october, product=cheese)
    client = workspace.client(Role.MANAGER)
    first = record(client, cheese, client_id="loss-1")
    client.post(f"/api/counts/{october.pk}/close/", {}, format="json")

    retried = record(client, cheese, client_id="loss-1")

    assert (first.status_code, retried.status_code, retried.json()["id"]) == (201, 200, first.json()["id"])


def test_an_operator_changes_and_deletes_only_their_own_losses(workspace, cheese):
    owner, operator = workspace.client(Role.OWNER), workspace.client(Role.OPERATOR)
    owners = record(owner, cheese, reason="breakage").json()
    own = record(operator, cheese).json()

    others = [
        operator.patch(f"{LOSSES}{owners['id']}/", {"quantity": "0.5"}, format="json"),
        operator.delete(f"{LOSSES}{owners['id']}/"),
    ]

    assert [(r.status_code, r.json()["code"]) for r in others] == [(404, "NOT_FOUND")] * 2
    assert operator.get(f"{LOSSES}{owners['id']}/").status_code == 200  # still read
    assert operator.patch(f"{LOSSES}{own['id']}/", {"quantity": "2"}, format="json").status_code == 200
    assert (
        workspace.client(Role.MANAGER).patch(f"{LOSSES}{own['id']}/", {"note": "vu"}, format="json").status_code == 200
    )
    assert operator.delete(f"{LOSSES}{own['id']}/").status_code == 204
    assert [loss.pk for loss in losses_of(workspace.tenant)] == [owners["id"]]


def test_a_loss_cannot_be_dated_after_the_businesss_today(workspace, cheese):
    today = workspace.tenant.today()
    client = workspace.client(Role.OPERATOR)
    tomorrow = record(client, cheese, occurred_on=(today + timedelta(days=1)).isoformat())
    on_today = record(client, cheese, occurred_on=today.isoformat())
    moved = client.patch(
        f"{LOSSES}{on_today.json()['id']}/", {"occurred_on": (today + timedelta(days=3)).isoformat()}, format="json"
    )

    assert (tomorrow.status_code, tomorrow.json()["code"], list(tomorrow.json()["fields"])) == (
        400,
        "LOSS_IN_FUTURE",
        ["occurred_on"],
    )
    assert on_today.status_code == 201
    assert (moved.status_code, moved.json()["code"]) == (400, "LOSS_IN_FUTURE")
