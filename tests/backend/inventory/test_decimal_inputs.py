"""Negative zero is zero: `-0.0` in any decimal input is stored and shown as `0`, never as
`-0.0000` (the shared core.fields.DecimalField)."""

from datetime import date

import pytest
from django_scopes import scopes_disabled

from stockscan.inventory.models import CountLine, Product
from tests.factories import ProductFactory, StockCountFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zero", ["-0.0", "-0", "-0.000", -0.0])
def test_a_product_priced_at_negative_zero_is_priced_at_zero(workspace, other_workspace, zero):
    response = workspace.client().post(
        f"/api/products/?service={workspace.kitchen.pk}",
        {"name": "Eau du robinet", "purchase_price": zero, "selling_price": zero, "min_quantity": zero},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["purchase_price"], body["selling_price"], body["min_quantity"]) == ("0.0000", "0.0000", "0.000")
    with scopes_disabled():
        product = Product.objects.get(pk=body["id"])
    assert not product.purchase_price.is_signed()
    assert not product.min_quantity.is_signed()


def test_a_count_line_of_negative_zero_counts_zero(workspace, other_workspace):
    month = StockCountFactory(tenant=workspace.tenant, service=workspace.kitchen, month=date(2026, 10, 1))
    product = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen)

    response = workspace.client().post(
        "/api/count-lines/", {"count": month.pk, "product": product.pk, "quantity": "-0.000"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["quantity"] == "0.000"
    with scopes_disabled():
        assert not CountLine.objects.get(pk=response.json()["id"]).quantity.is_signed()
