"""Negative zero is zero: `-0.0` in any decimal input is stored and shown as `0`, never as
`-0.0000` (the shared core.fields.DecimalField)."""

import pytest
from django_scopes import scopes_disabled

from stockscan.inventory.models import Product

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zero", ["-0.0", "-0", "-0.000", -0.0])
def test_a_product_priced_at_negative_zero_is_priced_at_zero(workspace, zero):
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
