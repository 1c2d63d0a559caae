"""Categories and products: the catalog of each service."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from stockscan.entitlements.models import TenantPlanOverride
from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import Product
from stockscan.orgs.models import Role
from tests.factories import CategoryFactory, ProductFactory
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"
CATEGORIES = "/api/categories/"


def products_of(tenant):
    with scopes_disabled():
        return list(Product.objects.filter(tenant=tenant).order_by("id"))


def create(client, **body):
    return client.post(PRODUCTS, body, format="json")


def test_create_a_product_in_the_service_of_the_body(workspace, other_workspace):
    category = CategoryFactory(tenant=workspace.tenant, service=workspace.bar, name="Spiritueux")
    response = create(
        workspace.client(),
        service=workspace.bar.pk,
        name="Rhum ambré 70cl",
        category=category.pk,
        barcode="3760123456784",
        unit="l",
        purchase_price="18.90",
        selling_price="4.5",
        vat_rate="20",
        min_quantity="2",
        supplier="Cave Dupont",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["service"], body["category"], body["category_name"]) == (workspace.bar.pk, category.pk, "Spiritueux")
    assert body["purchase_price"] == "18.9000"
    assert body["warnings"] == []
    [product] = products_of(workspace.tenant)
    assert product.purchase_price == Decimal("18.9")
    assert products_of(other_workspace.tenant) == []


def test_missing_recommended_fields_are_warnings_not_refusals(workspace):
    # The bar's preset recommends barcode, prices, VAT and supplier.
    response = create(workspace.client(), service=workspace.bar.pk, name="Citrons", unit="pcs")

    assert response.status_code == 201
    missing = {warning["field"] for warning in response.json()["warnings"]}
    assert missing == {"barcode", "purchase_price", "selling_price", "vat_rate", "supplier", "min_quantity"}


def test_sku_is_generated_from_a_sequence_and_never_reused(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    client = workspace.client()
    client.patch(f"/api/auth/services/{workspace.kitchen.pk}/", {"features": {"sku": True}}, format="json")

    first = create(client, service=workspace.kitchen.pk, name="Farine", unit="kg").json()
    client.delete(f"{PRODUCTS}{first['id']}/")
    second = create(client, service=workspace.kitchen.pk, name="Sucre", unit="kg").json()
    manual = create(client, service=workspace.kitchen.pk, name="Sel", unit="kg", sku="SEL-01").json()

    assert first["sku"] != second["sku"]
    assert first["sku"].endswith("000001")
    assert second["sku"].endswith("000002")
    assert manual["sku"] == "SEL-01"


def test_a_generated_sku_skips_a_number_typed_by_hand(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    client = workspace.client()
    client.patch(f"/api/auth/services/{workspace.kitchen.pk}/", {"features": {"sku": True}}, format="json")
    first = create(client, service=workspace.kitchen.pk, name="Farine", unit="kg").json()
    typed = first["sku"].replace("000001", "000002")
    create(client, service=workspace.kitchen.pk, name="Sel", unit="kg", sku=typed)

    following = [create(client, service=workspace.kitchen.pk, name=name, unit="kg") for name in ("Sucre", "Riz")]

    assert [response.status_code for response in following] == [201, 201]
    assert [response.json()["sku"] for response in following] == [
        typed.replace("000002", "000003"),
        typed.replace("000002", "000004"),
    ]


@pytest.mark.parametrize(
    ("service_type_attr", "unit"),
    [("kitchen", "banana"), ("kitchen", "")],
)
def test_unknown_unit_is_a_field_error(workspace, service_type_attr, unit):
    service = getattr(workspace, service_type_attr)
    response = create(workspace.client(), service=service.pk, name="X", unit=unit)
    assert response.status_code == 400
    assert "unit" in response.json()["fields"]


def test_unit_must_fit_the_counting_mode(workspace):
    client = workspace.client()
    client.patch(f"/api/auth/services/{workspace.kitchen.pk}/", {"counting_mode": "weight"}, format="json")

    refused = create(client, service=workspace.kitchen.pk, name="Oeufs", unit="pcs")
    accepted = create(client, service=workspace.kitchen.pk, name="Beurre", unit="kg")

    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"unit"}
    assert accepted.status_code == 201
    assert [p.name for p in products_of(workspace.tenant)] == ["Beurre"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("purchase_price", "-1"), ("min_quantity", "-0.5"), ("vat_rate", "120"), ("purchase_price", "abc"), ("name", "")],
)
def test_bad_values_are_field_errors(workspace, field, value):
    response = create(workspace.client(), **{"service": workspace.bar.pk, "name": "Vin", "unit": "l", field: value})
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert products_of(workspace.tenant) == []


def test_barcode_is_unique_per_service(workspace, other_workspace):
    client = workspace.client()
    assert create(client, service=workspace.bar.pk, name="Cola", barcode="5449000000996").status_code == 201
    duplicate = create(client, service=workspace.bar.pk, name="Cola bis", barcode="5449000000996")
    other_service = create(client, service=workspace.kitchen.pk, name="Cola cuisine", barcode="5449000000996")
    other_tenant = create(
        other_workspace.client(), service=other_workspace.bar.pk, name="Cola", barcode="5449000000996"
    )

    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "BARCODE_TAKEN")
    assert other_service.status_code == 201
    assert other_tenant.status_code == 201


def test_category_of_another_service_or_tenant_is_refused(workspace, other_workspace):
    bar_category = CategoryFactory(tenant=workspace.tenant, service=workspace.bar)
    foreign_category = CategoryFactory(tenant=other_workspace.tenant, service=other_workspace.kitchen)
    client = workspace.client()

    wrong_service = create(client, service=workspace.kitchen.pk, name="Pâtes", unit="kg", category=bar_category.pk)
    foreign = create(client, service=workspace.kitchen.pk, name="Pâtes", unit="kg", category=foreign_category.pk)

    assert (wrong_service.status_code, list(wrong_service.json()["fields"])) == (400, ["category"])
    # Another tenant's id is unknown here: the 404 of any id the tenant does not have.
    assert (foreign.status_code, foreign.json()["code"], list(foreign.json()["fields"])) == (
        404,
        "NOT_FOUND",
        ["category"],
    )
    assert products_of(workspace.tenant) == []


def test_create_needs_a_service_the_member_can_see(workspace, other_workspace):
    client = workspace.client()
    missing = create(client, name="Pain", unit="pcs")
    foreign = create(client, service=other_workspace.kitchen.pk, name="Pain", unit="pcs")

    assert (missing.status_code, missing.json()["code"]) == (400, "SERVICE_REQUIRED")
    assert (foreign.status_code, foreign.json()["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize("role", [Role.OPERATOR, "operator_bar"])
def test_operators_read_but_do_not_manage_the_catalog(workspace, role):
    product = ProductFactory(tenant=workspace.tenant, service=workspace.bar)
    client = workspace.client(role)

    assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 200
    assert create(client, service=workspace.bar.pk, name="Bière", unit="pcs").status_code == 403
    assert client.patch(f"{PRODUCTS}{product.pk}/", {"name": "X"}, format="json").status_code == 403
    assert client.delete(f"{PRODUCTS}{product.pk}/").status_code == 403
    assert client.post(CATEGORIES, {"name": "Bières", "service": workspace.bar.pk}, format="json").status_code == 403


def test_an_operator_limited_to_the_bar_sees_only_the_bar(workspace):
    bar_product = ProductFactory(tenant=workspace.tenant, service=workspace.bar)
    kitchen_product = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen)
    client = workspace.client("operator_bar")

    listed = [p["id"] for p in client.get(PRODUCTS).json()["results"]]

    assert listed == [bar_product.pk]
    assert client.get(f"{PRODUCTS}{kitchen_product.pk}/").status_code == 404
    assert client.get(PRODUCTS, {"service": workspace.kitchen.pk}).status_code == 404


def test_list_filters(workspace, other_workspace):
    drinks = CategoryFactory(tenant=workspace.tenant, service=workspace.bar, name="Boissons")
    cola = ProductFactory(tenant=workspace.tenant, service=workspace.bar, name="Cola", category=drinks)
    ProductFactory(tenant=workspace.tenant, service=workspace.bar, name="Cacahuètes")
    old = ProductFactory(tenant=workspace.tenant, service=workspace.bar, name="Ancien cola", archived=True)
    flour = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen, name="Farine")
    ProductFactory(tenant=other_workspace.tenant, service=other_workspace.bar, name="Cola")
    client = workspace.client(Role.MANAGER)

    def ids(**params):
        response = client.get(PRODUCTS, params)
        assert response.status_code == 200, response.content
        return [p["id"] for p in response.json()["results"]]

    assert ids(service=workspace.kitchen.pk) == [flour.pk]
    assert ids(category=drinks.pk) == [cola.pk]
    assert ids(search="cola") == [cola.pk]
    assert ids(search=cola.barcode) == [cola.pk]
    assert ids(archived="true") == [old.pk]
    assert set(ids(archived="all", search="cola")) == {cola.pk, old.pk}
    assert client.get(PRODUCTS, {"archived": "maybe"}).json()["code"] == "INVALID_FILTER"
    assert client.get(PRODUCTS, {"category": "abc"}).status_code == 404


def test_lookup_by_barcode_prefers_the_requested_service(workspace, other_workspace):
    kitchen = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen, barcode="3017620422003")
    bar = ProductFactory(tenant=workspace.tenant, service=workspace.bar, barcode="3017620422003")
    ProductFactory(tenant=other_workspace.tenant, service=other_workspace.bar, barcode="9999999999999")
    client = workspace.client(Role.MANAGER)

    assert (
        client.get(f"{PRODUCTS}lookup/", {"barcode": "3017620422003", "service": workspace.bar.pk}).json()["id"]
        == bar.pk
    )
    assert (
        client.get(f"{PRODUCTS}lookup/", {"barcode": "3017620422003", "service": workspace.kitchen.pk}).json()["id"]
        == kitchen.pk
    )
    not_found = client.get(f"{PRODUCTS}lookup/", {"barcode": "9999999999999"})
    missing = client.get(f"{PRODUCTS}lookup/")
    assert (not_found.status_code, not_found.json()["code"]) == (404, "NOT_FOUND")
    assert (missing.status_code, missing.json()["code"]) == (400, "BARCODE_REQUIRED")


def test_categories_crud(workspace):
    client = workspace.client(Role.MANAGER)
    created = client.post(CATEGORIES, {"name": "Frais", "service": workspace.kitchen.pk}, format="json")
    duplicate = client.post(CATEGORIES, {"name": " frais ", "service": workspace.kitchen.pk}, format="json")
    renamed = client.patch(f"{CATEGORIES}{created.json()['id']}/", {"name": "Produits frais"}, format="json")
    listed = client.get(CATEGORIES, {"service": workspace.kitchen.pk}).json()["results"]

    assert created.status_code == 201
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "CATEGORY_NAME_TAKEN")
    assert renamed.json()["name"] == "Produits frais"
    assert [c["name"] for c in listed] == ["Produits frais"]
    assert client.delete(f"{CATEGORIES}{created.json()['id']}/").status_code == 204


# --- The product limit (max_products), over HTTP.


def test_product_limit_refuses_the_next_product(workspace, other_workspace):
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=workspace.tenant, limits={"max_products": 2})
    client = workspace.client()
    for name in ("A", "B"):
        assert create(client, service=workspace.bar.pk, name=name).status_code == 201

    refused = create(client, service=workspace.bar.pk, name="C")

    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["limit"], refused.json()["used"]) == ("LIMIT_MAX_PRODUCTS", 2, 2)
    assert len(products_of(workspace.tenant)) == 2
    assert create(other_workspace.client(), service=other_workspace.bar.pk, name="C").status_code == 201


def test_archiving_frees_a_seat_and_unarchiving_takes_it_back(workspace):
    with scopes_disabled():
        TenantPlanOverride.objects.create(tenant=workspace.tenant, limits={"max_products": 1})
    client = workspace.client()
    first = create(client, service=workspace.bar.pk, name="A").json()
    client.patch(f"{PRODUCTS}{first['id']}/", {"archived": True}, format="json")
    second = create(client, service=workspace.bar.pk, name="B")

    unarchive = client.patch(f"{PRODUCTS}{first['id']}/", {"archived": False}, format="json")

    assert second.status_code == 201
    assert (unarchive.status_code, unarchive.json()["code"]) == (403, "LIMIT_MAX_PRODUCTS")


def test_downgrade_from_pro_with_500_products_keeps_them_readable(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    ProductFactory.create_batch(500, tenant=workspace.tenant, service=workspace.bar)

    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    client = workspace.client()

    listing = client.get(PRODUCTS, {"page_size": 200})
    refused = create(client, service=workspace.bar.pk, name="Le 501e")
    entitlements = client.get("/api/auth/me/org/entitlements").json()

    assert listing.status_code == 200
    assert listing.json()["count"] == 500
    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["limit"], refused.json()["used"]) == ("LIMIT_MAX_PRODUCTS", 100, 500)
    assert entitlements["usage"]["products"] == 500
    assert entitlements["over_limit"]["max_products"] is True
    assert len(products_of(workspace.tenant)) == 500


def test_lookup_shows_the_recent_monthly_history(workspace, other_workspace):
    from datetime import date

    from tests.factories import CountLineFactory, StockCountFactory

    rum = ProductFactory(
        tenant=workspace.tenant, service=workspace.bar, barcode="3263280112345", purchase_price=Decimal("10")
    )
    for month, quantity in ((date(2026, 9, 1), "4"), (date(2026, 10, 1), "2.5")):
        count = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=month)
        CountLineFactory(count=count, product=rum, quantity=Decimal(quantity))
    foreign = StockCountFactory(tenant=other_workspace.tenant, service=other_workspace.bar, month=date(2026, 10, 1))
    CountLineFactory(count=foreign, product__service=other_workspace.bar, product__barcode="3263280112345")

    body = workspace.client(Role.OPERATOR).get(f"{PRODUCTS}lookup/", {"barcode": "3263280112345"}).json()

    assert body["id"] == rum.pk
    assert body["history"] == [
        {"month": "2026-10", "quantity": "2.500", "stock_value": "25.00"},
        {"month": "2026-09", "quantity": "4.000", "stock_value": "40.00"},
    ]
