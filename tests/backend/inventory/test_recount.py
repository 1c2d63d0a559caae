"""Counting the same thing again sets it; `mode: "add"` adds to it (scan-to-add); two people
counting one month at once, in two areas or the same line, lose nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.inventory.models import CountLine
from stockscan.orgs.models import Role
from tests.factories import AreaFactory, CountLineFactory, ProductFactory, StockCountFactory
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

LINES = "/api/count-lines/"


def count_line(client, count, product, **fields):
    body = {"count": count.pk, "product": product.pk, "quantity": "2", **fields}
    return client.post(LINES, body, format="json")


def quantities(count) -> list[tuple]:
    with scopes_disabled():
        return list(
            CountLine.objects.filter(count=count).order_by("id").values_list("product__name", "area__name", "quantity")
        )


@pytest.fixture
def month(workspace):
    return StockCountFactory(service=workspace.bar, month=date(2026, 11, 1))


@pytest.fixture
def cola(workspace):
    return ProductFactory(service=workspace.bar, name="Coca", purchase_price=Decimal("0.90"))


def test_counting_a_line_again_sets_its_quantity_and_says_who(workspace, month, cola):
    operator, manager = workspace.client(Role.OPERATOR), workspace.client(Role.MANAGER)
    first = count_line(operator, month, cola, quantity="36")
    again = count_line(manager, month, cola, quantity="40")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (again.json()["quantity"], again.json()["counted_by"]) == ("40.000", workspace.members[Role.MANAGER].user_id)
    assert quantities(month) == [("Coca", None, Decimal("40"))]
    with scopes_disabled():
        audit = AuditEntry.objects.get(action="count.line_recounted", target_id=str(first.json()["id"]))
        month.refresh_from_db()
    assert (audit.actor_id, audit.before, audit.after["quantity"]) == (
        workspace.members[Role.MANAGER].user_id,
        {"quantity": "36.000"},
        "40.000",
    )
    assert month.line_count == 1


def test_scan_to_add_adds_to_the_line(workspace, month, cola):
    client = workspace.client(Role.OPERATOR)
    for _ in range(3):
        count_line(client, month, cola, quantity="1", mode="add")

    assert quantities(month) == [("Coca", None, Decimal("3"))]


def test_another_area_lot_state_or_date_is_another_line(workspace, month, cola):
    with scopes_disabled():
        workspace.bar.features = {**workspace.bar.features, "lot": True, "dlc": True, "open_container_tracking": True}
        workspace.bar.save(update_fields=["features"])
    fridge, cellar = AreaFactory(service=workspace.bar, name="Frigo"), AreaFactory(service=workspace.bar, name="Cave")
    with scopes_disabled():
        cola.default_area = fridge
        cola.save()
    client = workspace.client(Role.OPERATOR)

    count_line(client, month, cola, quantity="10")  # the product's default area: the fridge
    count_line(client, month, cola, quantity="6", area=cellar.pk)
    count_line(client, month, cola, quantity="5", area=cellar.pk, lot="L2")
    count_line(client, month, cola, quantity="4", area=cellar.pk, lot="L2", expiry_date="2027-01-31")
    count_line(client, month, cola, quantity="1", container_state="OPENED", remaining_fraction="0.5")
    count_line(client, month, cola, quantity="12", area=fridge.pk)  # the first line, recounted

    assert quantities(month) == [
        ("Coca", "Frigo", Decimal("12")),
        ("Coca", "Cave", Decimal("6")),
        ("Coca", "Cave", Decimal("5")),
        ("Coca", "Cave", Decimal("4")),
        ("Coca", "Frigo", Decimal("1")),
    ]


def test_an_area_of_another_service_is_refused(workspace, month, cola):
    kitchen_area = AreaFactory(service=workspace.kitchen)

    response = count_line(workspace.client(Role.OPERATOR), month, cola, area=kitchen_area.pk)

    assert (response.status_code, list(response.json()["fields"])) == (400, ["area"])


def test_a_retried_add_is_added_once(workspace, month, cola):
    client = workspace.client(Role.OPERATOR)
    count_line(client, month, cola, quantity="10")
    scans = [count_line(client, month, cola, quantity="1", mode="add", client_id="scan-1") for _ in range(3)]
    reused = count_line(client, month, cola, quantity="2", mode="add", client_id="scan-1")

    assert [scan.status_code for scan in scans] == [200, 200, 200]
    assert quantities(month) == [("Coca", None, Decimal("11"))]
    assert (reused.status_code, reused.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")


def test_editing_a_line_into_another_lines_identity_is_a_conflict(workspace, month, cola):
    with scopes_disabled():
        workspace.bar.features = {**workspace.bar.features, "lot": True}
        workspace.bar.save(update_fields=["features"])
    client = workspace.client(Role.OPERATOR)
    count_line(client, month, cola, lot="A")
    other = count_line(client, month, cola, lot="B").json()

    response = client.patch(f"{LINES}{other['id']}/", {"lot": "A"}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "LINE_EXISTS")


def test_the_database_holds_one_line_per_identity_even_without_area_or_date(workspace, month, cola):
    CountLineFactory(count=month, product=cola)
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        CountLineFactory(count=month, product=cola)


def _counters(name: str, threads: int):
    from tests.conftest import make_workspace

    workspace = make_workspace(name)
    make_workspace("Other tenant")
    count = StockCountFactory(service=workspace.bar, month=date(2026, 11, 1))
    return workspace, count, [workspace.client(Role.OPERATOR) for _ in range(threads)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_concurrent_counts_of_one_line_converge_on_one_line():
    workspace, count, clients = _counters("Same shelf", 10)
    cola = ProductFactory(service=workspace.bar)

    statuses = run_concurrently(10, lambda index: count_line(clients[index], count, cola, quantity="7").status_code)
    adds = run_concurrently(10, lambda index: count_line(clients[index], count, cola, quantity="1", mode="add"))

    assert sorted(statuses) == [200] * 9 + [201]
    assert all(response.status_code == 200 for response in adds)
    assert [quantity for _, _, quantity in quantities(count)] == [Decimal("17")]
    with scopes_disabled():
        count.refresh_from_db()
    assert count.line_count == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_two_people_counting_two_areas_of_one_month_lose_nothing():
    workspace, count, clients = _counters("Kitchen and bar", 2)
    areas = [AreaFactory(service=workspace.bar, name=name) for name in ("Bar", "Cave")]
    shelves = [[ProductFactory(service=workspace.bar, default_area=area) for _ in range(15)] for area in areas]

    def count_area(index):
        return [count_line(clients[index], count, product, quantity="3").status_code for product in shelves[index]]

    statuses = run_concurrently(2, count_area)

    assert statuses == [[201] * 15, [201] * 15]
    counted = quantities(count)
    assert len(counted) == 30
    assert sorted({area for _, area, _ in counted}) == ["Bar", "Cave"]
    listed = workspace.client(Role.MANAGER).get(f"/api/counts/{count.pk}/").json()
    assert (listed["line_count"], listed["products_counted"]) == (30, 30)


def test_scan_to_add_past_what_a_line_holds_is_refused(workspace, month, cola):
    client = workspace.client(Role.OPERATOR)
    count_line(client, month, cola, quantity="99999999999")

    response = count_line(client, month, cola, quantity="1", mode="add")

    assert (response.status_code, list(response.json()["fields"])) == (400, ["quantity"])
    assert quantities(month) == [("Coca", None, Decimal("99999999999"))]
