"""A member limited to one service names another service's row in a body: it reads as a row
that does not exist (404 with the field named), as it would in a URL — never "belongs to
another service", which would confirm that the id is a row of the business."""

from datetime import date

import pytest
from django_scopes import scopes_disabled

from stockscan.inventory.models import CountLine, Loss, Product
from stockscan.orgs.models import Role
from tests.conftest import client_for
from tests.factories import CategoryFactory, MembershipFactory, ProductFactory, StockCountFactory

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 987654321


@pytest.fixture
def kitchen_product(workspace):
    return ProductFactory(tenant=workspace.tenant, service=workspace.kitchen, name="Comté", unit="kg")


def _not_found_naming(response, field: str) -> None:
    assert response.status_code == 404, response.content
    body = response.json()
    assert (body["code"], list(body["fields"])) == ("NOT_FOUND", [field])


def test_a_bar_operator_recording_a_loss_of_a_kitchen_product_is_answered_not_found(workspace, kitchen_product):
    client = workspace.client("operator_bar")
    body = {"quantity": "1", "reason": "breakage", "occurred_on": "2026-10-03"}

    kitchen = client.post("/api/losses/", {**body, "product": kitchen_product.pk}, format="json")
    unknown = client.post("/api/losses/", {**body, "product": UNKNOWN_ID}, format="json")

    _not_found_naming(kitchen, "product")
    assert kitchen.json() == unknown.json()
    with scopes_disabled():
        assert not Loss.objects.filter(product=kitchen_product).exists()


def test_a_bar_operator_counting_a_kitchen_product_is_answered_not_found(workspace, kitchen_product):
    bar_month = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))
    client = workspace.client("operator_bar")
    body = {"count": bar_month.pk, "quantity": "2"}

    kitchen = client.post("/api/count-lines/", {**body, "product": kitchen_product.pk}, format="json")
    unknown = client.post("/api/count-lines/", {**body, "product": UNKNOWN_ID}, format="json")

    _not_found_naming(kitchen, "product")
    assert kitchen.json() == unknown.json()
    with scopes_disabled():
        assert not CountLine.objects.filter(product=kitchen_product).exists()


def test_a_bar_operator_naming_a_kitchen_month_is_answered_not_found(workspace):
    kitchen_month = StockCountFactory(tenant=workspace.tenant, service=workspace.kitchen, month=date(2026, 10, 1))
    bar_product = ProductFactory(tenant=workspace.tenant, service=workspace.bar)

    response = workspace.client("operator_bar").post(
        "/api/count-lines/", {"count": kitchen_month.pk, "product": bar_product.pk, "quantity": "2"}, format="json"
    )

    _not_found_naming(response, "count")


def test_a_product_of_the_bar_cannot_be_filed_under_a_kitchen_category_by_a_bar_member(workspace):
    bar_manager = MembershipFactory(tenant=workspace.tenant, role=Role.MANAGER, service=workspace.bar)
    kitchen_category = CategoryFactory(tenant=workspace.tenant, service=workspace.kitchen)

    response = client_for(bar_manager.user).post(
        "/api/products/", {"name": "Citron", "category": kitchen_category.pk}, format="json"
    )

    _not_found_naming(response, "category")
    with scopes_disabled():
        assert not Product.objects.filter(tenant=workspace.tenant, name="Citron").exists()


def test_a_member_of_every_service_still_reads_the_service_mismatch_as_a_field_error(workspace, kitchen_product):
    """The owner sees both services: naming the kitchen's product in the bar is an input
    mistake, not a secret."""
    bar_month = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))

    response = workspace.client().post(
        "/api/count-lines/", {"count": bar_month.pk, "product": kitchen_product.pk, "quantity": "2"}, format="json"
    )

    assert (response.status_code, list(response.json()["fields"])) == (400, ["product"])
