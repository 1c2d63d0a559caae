"""Warnings on a saved product: never a refusal, each with a code and a translated sentence."""

import pytest

from stockscan.inventory.selectors.catalog import gtin_check_digit_valid
from tests.factories import ProductFactory

PRODUCTS = "/api/products/"


def _create(workspace, **body):
    body = {
        "service": workspace.kitchen.pk,
        "unit": "pcs",
        "purchase_price": "1",
        "selling_price": "2",
        "vat_rate": "20",
        "supplier": "Cave",
        "min_quantity": "1",
        **body,
    }
    response = workspace.client().post(PRODUCTS, body, format="json")
    assert response.status_code == 201, response.content
    # Only the warnings about what was given (the service may recommend more fields).
    return [w for w in response.json()["warnings"] if w["code"] != "RECOMMENDED_FIELD_MISSING"]


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("3017620422003", True),  # EAN-13
        ("3017620422004", False),
        ("96385074", True),  # EAN-8
        ("96385075", False),
        ("036000291452", True),  # UPC-A
        ("036000291453", False),
    ],
)
def test_gtin_check_digits(code, valid):
    assert gtin_check_digit_valid(code) is valid


def test_a_barcode_with_a_wrong_check_digit_is_a_warning(workspace):
    warnings = _create(workspace, name="Limonade", barcode="3017620422004")

    assert [(w["field"], w["code"]) for w in warnings] == [("barcode", "BARCODE_CHECK_DIGIT")]
    assert warnings[0]["message"].startswith("La clé de contrôle de ce code-barres est fausse")


def test_other_barcodes_are_left_alone(workspace):
    # An internal code, or a length with no check digit to verify.
    assert _create(workspace, name="Limonade", barcode="3017620422003") == []
    assert _create(workspace, name="Sirop maison", barcode="12345") == []
    assert _create(workspace, name="Planche", barcode="ABC-42") == []


def test_a_second_product_with_the_same_name_in_the_service_is_a_warning(workspace, other_workspace):
    ProductFactory(service=workspace.kitchen, name="Citron vert")
    ProductFactory(service=workspace.bar, name="Tonic")  # another service: no warning
    ProductFactory(service=other_workspace.kitchen, name="Orgeat")  # another tenant: no warning

    warnings = _create(workspace, name="citron VERT")

    assert [(w["field"], w["code"]) for w in warnings] == [("name", "DUPLICATE_NAME")]
    assert warnings[0]["message"] == "Un autre produit de ce service s’appelle déjà « citron VERT »."
    assert _create(workspace, name="Tonic") == []
    assert _create(workspace, name="Orgeat") == []


def test_missing_fields_are_explained_in_the_users_language(workspace):
    response = workspace.client().post(
        PRODUCTS,
        {"service": workspace.bar.pk, "name": "Citrons", "unit": "pcs"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    messages = {w["field"]: w["message"] for w in response.json()["warnings"]}
    assert messages["purchase_price"] == "Recommended for this service: a purchase price."
    assert messages["min_quantity"] == "Recommended for this service: a minimum quantity (for low-stock alerts)."
