"""A month's checklist (the catalogue in shelf order, with last month's quantities), its
closing, and which months can be started and deleted."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.inventory.models import CountLine, StockCount
from stockscan.orgs.models import Role, Tenant
from tests.factories import AreaFactory, CountLineFactory, LossFactory, ProductFactory, StockCountFactory

pytestmark = pytest.mark.django_db

COUNTS = "/api/counts/"
LINES = "/api/count-lines/"


def count_line(client, count, product, **fields):
    body = {"count": count.pk, "product": product.pk, "quantity": "2", **fields}
    return client.post(LINES, body, format="json")


@pytest.fixture
def shelf(workspace):
    """The bar in October: a fridge walked before the cellar, products at their shelf places."""
    bar = workspace.bar
    cellar = AreaFactory(service=bar, name="Cave", position=2)
    fridge = AreaFactory(service=bar, name="Frigo", position=1)
    products = {
        "cola": ProductFactory(service=bar, name="Coca", default_area=fridge, position=2),
        "tonic": ProductFactory(service=bar, name="Tonic", default_area=fridge, position=1),
        "wine": ProductFactory(service=bar, name="Bordeaux", default_area=cellar, position=1),
        "loose": ProductFactory(service=bar, name="Citrons"),  # no area: after the walk
        "gone": ProductFactory(service=bar, name="Ancien", archived=True),
    }
    october = StockCountFactory(service=bar, month=date(2026, 10, 1))
    # Counted in this order in October: the loose lemons first, the wine in two lots.
    CountLineFactory(count=october, product=products["loose"], quantity=Decimal("5"))
    CountLineFactory(count=october, product=products["wine"], quantity=Decimal("4"), lot="A")
    CountLineFactory(count=october, product=products["wine"], quantity=Decimal("2"), lot="B")
    CountLineFactory(count=october, product=products["cola"], quantity=Decimal("36"))
    CountLineFactory(
        count=october,
        product=products["tonic"],
        quantity=Decimal("2"),
        container_state="OPENED",
        remaining_fraction=Decimal("0.5"),
    )
    CountLineFactory(count=october, product=products["gone"])
    november = StockCountFactory(service=bar, month=date(2026, 11, 1))
    return {"fridge": fridge, "cellar": cellar, "october": october, "november": november, **products}


def checklist(client, count, **params):
    response = client.get(f"{COUNTS}{count.pk}/checklist/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_checklist_is_last_months_products_in_shelf_order_with_their_quantity(workspace, other_workspace, shelf):
    CountLineFactory(count__service=other_workspace.bar, count__month=date(2026, 10, 1))
    client = workspace.client(Role.OPERATOR)
    count_line(client, shelf["november"], shelf["cola"], quantity="40")

    body = checklist(client, shelf["november"])

    assert body["count"] == 4
    assert [
        (item["product_name"], item["area_name"], item["expected"], item["counted"], item["counted_quantity"])
        for item in body["results"]
    ] == [
        ("Tonic", "Frigo", "1.000", False, None),  # 2 opened bottles half full
        ("Coca", "Frigo", "36.000", True, "40.000"),
        ("Bordeaux", "Cave", "6.000", False, None),  # both lots
        ("Citrons", None, "5.000", False, None),
    ]
    month = client.get(f"{COUNTS}{shelf['november'].pk}/").json()
    assert (month["products_counted"], month["products_to_count"], month["line_count"]) == (1, 3, 1)


def test_the_checklist_of_one_area_page_by_page(workspace, shelf):
    client = workspace.client(Role.OPERATOR)

    fridge = checklist(client, shelf["november"], area=shelf["fridge"].pk, page_size=1)
    second = client.get(fridge["next"]).json()

    assert fridge["count"] == 2
    assert [item["product_name"] for item in fridge["results"] + second["results"]] == ["Tonic", "Coca"]
    bad = client.get(f"{COUNTS}{shelf['november'].pk}/checklist/", {"area": "cave"})
    assert bad.status_code == 404


def test_the_checklist_costs_the_same_queries_at_one_and_many_products(workspace, shelf, django_assert_max_num_queries):
    client = workspace.client(Role.OPERATOR)
    with django_assert_max_num_queries(12) as few:
        checklist(client, shelf["november"])
    for index in range(30):
        CountLineFactory(count=shelf["october"], product=ProductFactory(service=workspace.bar, position=index))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert checklist(client, shelf["november"])["count"] == 34


def test_a_skipped_month_still_has_the_last_counted_months_checklist(workspace, shelf):
    january = StockCountFactory(service=workspace.bar, month=date(2027, 1, 1))

    body = checklist(workspace.client(), january)  # November was started, nothing counted

    assert [item["expected"] for item in body["results"]] == ["1.000", "36.000", "6.000", "5.000"]


def test_a_product_added_since_last_month_is_on_the_checklist_and_asked_about_at_closing(workspace, shelf):
    mint = ProductFactory(service=workspace.bar, name="Menthe", default_area=shelf["fridge"], position=3)
    manager = workspace.client(Role.MANAGER)
    for product in ("cola", "tonic", "wine", "loose"):
        count_line(manager, shelf["november"], shelf[product])

    fridge = checklist(manager, shelf["november"], area=shelf["fridge"].pk)
    refused = close(manager, shelf["november"])

    assert [(item["product_name"], item["expected"], item["counted"]) for item in fridge["results"]] == [
        ("Tonic", "1.000", True),
        ("Coca", "36.000", True),
        ("Menthe", None, False),  # never counted: no reference, still to count
    ]
    assert (refused.status_code, refused.json()["uncounted"]) == (409, 1)
    # "As last month" has nothing to estimate a new product from: it stays uncounted.
    assert close(manager, shelf["november"], uncounted="expected").status_code == 200
    with scopes_disabled():
        assert not CountLine.objects.filter(product=mint).exists()


def test_a_first_month_checklist_is_the_whole_catalogue(workspace):
    bar = workspace.bar
    for name in ("Sirop", "Café", "Lait"):
        ProductFactory(service=bar, name=name)
    ProductFactory(service=bar, name="Ancien", archived=True)
    first = StockCountFactory(service=bar, month=date(2026, 11, 1))

    body = checklist(workspace.client(Role.OPERATOR), first)

    assert [(item["product_name"], item["expected"]) for item in body["results"]] == [
        ("Café", None),
        ("Lait", None),
        ("Sirop", None),
    ]


# --- Closing


def close(client, count, **body):
    return client.post(f"{COUNTS}{count.pk}/close/", body, format="json")


def test_closing_with_uncounted_products_says_how_many(workspace, shelf):
    manager = workspace.client(Role.MANAGER)
    count_line(manager, shelf["november"], shelf["cola"], quantity="40")

    refused = close(manager, shelf["november"])

    assert (refused.status_code, refused.json()["code"], refused.json()["uncounted"]) == (
        409,
        "UNCOUNTED_PRODUCTS",
        3,
    )
    assert "3" in refused.json()["detail"]
    with scopes_disabled():
        assert StockCount.objects.get(pk=shelf["november"].pk).status == "open"


def test_closing_with_uncounted_zero_writes_nothing(workspace, shelf):
    manager = workspace.client(Role.MANAGER)
    count_line(manager, shelf["november"], shelf["cola"], quantity="40")

    closed = close(manager, shelf["november"], uncounted="zero")

    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["uncounted"], closed.json()["line_count"]) == ("closed", "zero", 1)


def test_closing_with_uncounted_expected_writes_last_months_quantities_as_estimated(workspace, shelf):
    manager = workspace.client(Role.MANAGER)
    count_line(manager, shelf["november"], shelf["cola"], quantity="40")

    closed = close(manager, shelf["november"], uncounted="expected").json()

    with scopes_disabled():
        lines = {
            line.product.name: (line.quantity, line.estimated, line.area_id)
            for line in CountLine.objects.filter(count=shelf["november"]).select_related("product")
        }
    assert lines == {
        "Coca": (Decimal("40"), False, shelf["fridge"].pk),
        "Tonic": (Decimal("1"), True, shelf["fridge"].pk),
        "Bordeaux": (Decimal("6"), True, shelf["cellar"].pk),
        "Citrons": (Decimal("5"), True, None),
    }
    assert (closed["uncounted"], closed["line_count"], closed["products_to_count"]) == ("expected", 4, 0)


def test_a_month_with_nothing_counted_cannot_be_closed(workspace, shelf):
    refused = close(workspace.client(Role.MANAGER), shelf["november"], uncounted="zero")

    assert (refused.status_code, refused.json()["code"]) == (409, "COUNT_EMPTY")


def test_next_month_cannot_be_closed_before_it_begins(workspace):
    client = workspace.client(Role.MANAGER)
    today = workspace.tenant.today()
    upcoming = (today.replace(day=28) + timedelta(days=5)).replace(day=1)
    started = client.post(COUNTS, {"service": workspace.bar.pk, "month": f"{upcoming:%Y-%m}"}, format="json")
    count_line(client, StockCount(pk=started.json()["id"]), ProductFactory(service=workspace.bar))

    refused = client.post(f"{COUNTS}{started.json()['id']}/close/")

    assert started.status_code == 201
    assert (refused.status_code, refused.json()["code"]) == (409, "MONTH_NOT_STARTED")


def test_closing_freezes_one_cost_per_product_and_reopening_unfreezes_it(workspace, shelf):
    manager = workspace.client(Role.MANAGER)
    cola = shelf["cola"]
    with scopes_disabled():
        workspace.bar.features = {**workspace.bar.features, "lot": True}
        workspace.bar.save(update_fields=["features"])
    count_line(manager, shelf["november"], cola, quantity="10", lot="L1")
    with scopes_disabled():
        cola.purchase_price = Decimal("0.8000")
        cola.save()
    count_line(manager, shelf["november"], cola, quantity="10", lot="L2")

    close(manager, shelf["november"], uncounted="zero")
    with scopes_disabled():
        cola.purchase_price = Decimal("1.2000")
        cola.save()
    closed_lines = manager.get(LINES, {"count": shelf["november"].pk}).json()["results"]
    manager.post(f"{COUNTS}{shelf['november'].pk}/reopen/")
    open_lines = manager.get(LINES, {"count": shelf["november"].pk}).json()["results"]

    assert [(line["unit_cost"], line["line_value"]) for line in closed_lines] == [("0.8000", "8.00")] * 2
    assert [(line["unit_cost"], line["line_value"]) for line in open_lines] == [("1.2000", "12.00")] * 2
    with scopes_disabled():
        assert set(CountLine.objects.filter(count=shelf["november"]).values_list("unit_cost", flat=True)) == {None}


# --- Which months


def _created(tenant: Tenant, when: date) -> None:
    with scopes_disabled():
        Tenant.objects.filter(pk=tenant.pk).update(created_at=timezone.make_aware(datetime(when.year, when.month, 3)))


@pytest.mark.parametrize(
    ("month", "status"),
    [("2025-02", 201), ("2025-01", 400), ("2019-05", 400), ("2031-05", 400)],
)
def test_a_month_starts_from_a_year_before_the_business_up_to_next_month(workspace, month, status):
    _created(workspace.tenant, date(2026, 2, 1))

    response = workspace.client().post(COUNTS, {"service": workspace.bar.pk, "month": month}, format="json")

    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["code"] == "MONTH_OUT_OF_RANGE"
        assert response.json()["earliest"] == "2025-02"


def test_next_month_can_be_started_but_not_the_one_after(workspace):
    today = workspace.tenant.today()
    upcoming = (today.replace(day=28) + timedelta(days=5)).replace(day=1)
    after = (upcoming + timedelta(days=32)).replace(day=1)
    client = workspace.client()

    start = {"service": workspace.bar.pk, "month": f"{upcoming:%Y-%m}"}
    assert client.post(COUNTS, start, format="json").status_code == 201
    refused = client.post(COUNTS, {**start, "month": f"{after:%Y-%m}"}, format="json")
    assert (refused.status_code, refused.json()["latest"]) == (400, f"{upcoming:%Y-%m}")


def test_an_empty_open_month_can_be_deleted_by_owners_and_managers(workspace, other_workspace):
    started = StockCountFactory(service=workspace.bar, month=date(2026, 11, 1))
    foreign = StockCountFactory(service=other_workspace.bar, month=date(2026, 11, 1))

    assert workspace.client(Role.OPERATOR).delete(f"{COUNTS}{started.pk}/").status_code == 403
    assert workspace.client(Role.MANAGER).delete(f"{COUNTS}{foreign.pk}/").status_code == 404
    assert workspace.client(Role.MANAGER).delete(f"{COUNTS}{started.pk}/").status_code == 204
    with scopes_disabled():
        assert not StockCount.objects.filter(pk=started.pk).exists()
        assert StockCount.objects.filter(pk=foreign.pk).exists()
        assert AuditEntry.objects.filter(action="count.deleted", target_id=str(started.pk)).exists()


def test_a_month_with_lines_losses_or_closed_is_not_deleted(workspace):
    counted = CountLineFactory(count__service=workspace.bar, count__month=date(2026, 9, 1)).count
    with_loss = StockCountFactory(service=workspace.bar, month=date(2026, 10, 1))
    LossFactory(product__service=workspace.bar, occurred_on=date(2026, 10, 20))
    closed = StockCountFactory(service=workspace.bar, month=date(2026, 8, 1), status="closed")
    client = workspace.client(Role.OWNER)

    answers = [client.delete(f"{COUNTS}{count.pk}/") for count in (counted, with_loss, closed)]

    assert [(r.status_code, r.json()["code"]) for r in answers] == [
        (409, "COUNT_NOT_EMPTY"),
        (409, "COUNT_NOT_EMPTY"),
        (409, "COUNT_CLOSED"),
    ]
    with scopes_disabled():
        assert StockCount.objects.filter(pk__in=[counted.pk, with_loss.pk, closed.pk]).count() == 3
