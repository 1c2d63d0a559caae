"""Monthly counts: months, lines written safely on flaky networks, closing and reopening."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import CountLine, StockCount
from stockscan.orgs.models import Role
from tests.factories import CountLineFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

COUNTS = "/api/counts/"
LINES = "/api/count-lines/"


def lines_of(count) -> list[CountLine]:
    with scopes_disabled():
        return list(CountLine.objects.filter(count=count).order_by("id"))


def track(service, **features: bool) -> None:
    """Turns features of the service on or off, as its owner would in the settings."""
    with scopes_disabled():
        service.features = {**service.features, **features}
        service.save(update_fields=["features"])


@pytest.fixture
def month(workspace):
    return StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))


@pytest.fixture
def rum(workspace):
    return ProductFactory(
        tenant=workspace.tenant, service=workspace.bar, name="Rhum", unit="pcs", purchase_price=Decimal("18.90")
    )


def add_line(client, count, product, headers=None, **fields):
    body = {"count": count.pk, "product": product.pk, "quantity": "2", **fields}
    return client.post(LINES, body, format="json", headers=headers)


# --- Months


def test_start_a_month_once(workspace):
    client = workspace.client(Role.OPERATOR)
    first = client.post(COUNTS, {"service": workspace.bar.pk, "month": "2026-11"}, format="json")
    again = client.post(COUNTS, {"service": workspace.bar.pk, "month": "2026-11"}, format="json")

    assert first.status_code == 201
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert first.json()["month"] == "2026-11"
    assert first.json()["status"] == "open"


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026/11", "11-2026", "abc", " ", "1999-12", "2026-1"])
def test_malformed_month_is_invalid_month(workspace, bad):
    started = workspace.client().post(COUNTS, {"service": workspace.bar.pk, "month": bad}, format="json")
    listed = workspace.client().get(COUNTS, {"month": bad})
    lines = workspace.client().get(LINES, {"service": workspace.bar.pk, "month": bad})

    for response in (started, listed, lines):
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_MONTH")
    with scopes_disabled():
        assert not StockCount.objects.exists()


def test_starting_a_month_copies_nothing_and_counting_it_is_its_stock(workspace, rum):
    """The month after a counted one starts empty: counting 40 after last month's 36 makes 40,
    not 76 (the carried-over lines used to double the stock)."""
    october = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))
    CountLineFactory(count=october, product=rum, quantity=Decimal("36"), unit_cost=Decimal("15.00"))
    client = workspace.client()

    november = client.post(
        COUNTS, {"service": workspace.bar.pk, "month": "2026-11", "from_previous": True}, format="json"
    ).json()
    add_line(client, StockCount(pk=november["id"]), rum, quantity="40")

    assert (november["line_count"], november["products_counted"], november["products_to_count"]) == (0, 0, 1)
    assert [line.quantity for line in lines_of(november["id"])] == [Decimal("40")]
    assert len(lines_of(october)) == 1


def test_closing_makes_the_month_read_only_until_reopened(workspace, month, rum):
    manager, operator = workspace.client(Role.MANAGER), workspace.client(Role.OPERATOR)
    line = add_line(operator, month, rum).json()

    assert operator.post(f"{COUNTS}{month.pk}/close/").status_code == 403
    closed = manager.post(f"{COUNTS}{month.pk}/close/")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")

    refused = [
        add_line(operator, month, rum),
        operator.patch(f"{LINES}{line['id']}/", {"quantity": "9"}, format="json"),
        operator.delete(f"{LINES}{line['id']}/"),
    ]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(409, "COUNT_CLOSED")] * 3
    assert [line.quantity for line in lines_of(month)] == [Decimal("2")]

    assert operator.post(f"{COUNTS}{month.pk}/reopen/").status_code == 403
    assert manager.post(f"{COUNTS}{month.pk}/reopen/").json()["status"] == "open"
    assert operator.patch(f"{LINES}{line['id']}/", {"quantity": "9"}, format="json").status_code == 200


def test_an_operator_of_the_bar_counts_nothing_in_the_kitchen(workspace, month, rum):
    kitchen_month = StockCountFactory(tenant=workspace.tenant, service=workspace.kitchen, month=month.month)
    flour = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen, unit="kg")
    kitchen_line = CountLineFactory(count=kitchen_month, product=flour)
    limited = workspace.client("operator_bar")

    refused = [
        add_line(limited, kitchen_month, flour),
        limited.patch(f"{LINES}{kitchen_line.pk}/", {"quantity": "9"}, format="json"),
        limited.delete(f"{LINES}{kitchen_line.pk}/"),
        limited.post(COUNTS, {"service": workspace.kitchen.pk, "month": "2026-11"}, format="json"),
    ]
    counted_at_the_bar = add_line(limited, month, rum)

    assert [response.status_code for response in refused] == [404] * 4
    assert [line.quantity for line in lines_of(kitchen_month)] == [kitchen_line.quantity]
    assert counted_at_the_bar.status_code == 201


# --- Lines


def test_an_open_months_lines_are_valued_at_the_products_current_cost(workspace, month, rum):
    track(workspace.bar, lot=True, dlc=True)
    client = workspace.client(Role.OPERATOR)
    response = add_line(client, month, rum, expiry_date="2027-01-31", lot="L42")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["month"], body["product_name"], body["unit_cost"], body["line_value"]) == (
        "2026-10",
        "Rhum",
        "18.9000",
        "37.80",
    )
    with scopes_disabled():
        rum.purchase_price = Decimal("25")
        rum.save()
    assert lines_of(month)[0].unit_cost is None  # nothing frozen while the month is open
    listed = client.get(LINES, {"count": month.pk}).json()["results"]
    assert [(line["unit_cost"], line["line_value"]) for line in listed] == [("25.0000", "50.00")]


def test_the_same_client_id_twice_gives_one_line(workspace, month, rum):
    client = workspace.client(Role.OPERATOR)
    first = add_line(client, month, rum, client_id="phone-7f3a")
    again = add_line(client, month, rum, client_id="phone-7f3a")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(lines_of(month)) == 1


def test_the_idempotency_key_header_works_like_client_id(workspace, month, rum):
    client = workspace.client(Role.OPERATOR)
    responses = [add_line(client, month, rum, headers={"Idempotency-Key": "retry-1"}) for _ in range(3)]

    assert [r.status_code for r in responses] == [201, 200, 200]
    assert len(lines_of(month)) == 1


@pytest.mark.parametrize("key", ["k" * 65, "clé avec espaces"])
def test_an_idempotency_key_that_is_too_long_or_odd_is_refused_not_cut(workspace, month, rum, key):
    response = add_line(workspace.client(Role.OPERATOR), month, rum, headers={"Idempotency-Key": key})

    assert (response.status_code, response.json()["code"]) == (400, "INVALID_IDEMPOTENCY_KEY")
    assert lines_of(month) == []


def test_a_reused_key_with_another_quantity_is_a_conflict(workspace, month, rum):
    client = workspace.client(Role.OPERATOR)
    add_line(client, month, rum, client_id="k1")
    reused = add_line(client, month, rum, client_id="k1", quantity="5")

    assert (reused.status_code, reused.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert [line.quantity for line in lines_of(month)] == [Decimal("2")]


@pytest.mark.parametrize(
    ("fields", "line_value"),
    [
        ({"container_state": "OPENED", "quantity": "1", "remaining_fraction": "0.4"}, "7.56"),
        ({"container_state": "OPENED", "quantity": "1", "remaining_quantity": "0.25"}, "4.73"),
        ({"quantity": "3"}, "56.70"),
    ],
)
def test_opened_containers_count_what_is_left(workspace, month, rum, fields, line_value):
    response = add_line(workspace.client(Role.OPERATOR), month, rum, **fields)
    assert response.status_code == 201, response.content
    assert response.json()["line_value"] == line_value


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"container_state": "OPENED"}, "remaining_fraction"),
        ({"container_state": "OPENED", "remaining_fraction": "0.5", "remaining_quantity": "1"}, "remaining_fraction"),
        ({"remaining_fraction": "0.5"}, "container_state"),
        ({"container_state": "OPENED", "remaining_fraction": "1.5"}, "remaining_fraction"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "beaucoup"}, "quantity"),
        ({"container_state": "HALF"}, "container_state"),
        ({"expiry_date": "31/01/2027"}, "expiry_date"),
        # What is left in the opened bottle cannot be more than the bottle.
        ({"container_state": "OPENED", "quantity": "1", "remaining_quantity": "50"}, "remaining_quantity"),
        # The bar tracks neither lots nor expiry dates (its preset).
        ({"lot": "L42"}, "lot"),
        ({"expiry_date": "2027-01-31"}, "expiry_date"),
    ],
)
def test_bad_lines_are_field_errors(workspace, month, rum, fields, bad_field):
    response = add_line(workspace.client(Role.OPERATOR), month, rum, **fields)
    assert response.status_code == 400, response.content
    assert bad_field in response.json()["fields"]
    assert lines_of(month) == []


def test_turning_a_feature_off_leaves_the_lines_counted_with_it_editable(workspace, month, rum):
    track(workspace.bar, lot=True)
    client = workspace.client(Role.OPERATOR)
    line = add_line(client, month, rum, lot="L42").json()
    track(workspace.bar, lot=False)

    edited = client.patch(f"{LINES}{line['id']}/", {"quantity": "5"}, format="json")
    new_lot = client.patch(f"{LINES}{line['id']}/", {"lot": "L43"}, format="json")

    assert edited.status_code == 200, edited.content
    assert (edited.json()["quantity"], edited.json()["lot"]) == ("5.000", "L42")
    assert (new_lot.status_code, list(new_lot.json()["fields"])) == (400, ["lot"])


def test_a_service_without_open_container_tracking_refuses_opened_lines(workspace, month, rum):
    workspace.client().patch(
        f"/api/auth/services/{workspace.bar.pk}/", {"features": {"open_container_tracking": False}}, format="json"
    )
    response = add_line(workspace.client(Role.OPERATOR), month, rum, container_state="OPENED", remaining_fraction="0.5")
    assert (response.status_code, list(response.json()["fields"])) == (400, ["container_state"])


def test_products_of_another_service_or_tenant_are_refused(workspace, other_workspace, month):
    kitchen_product = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen)
    foreign_product = ProductFactory(tenant=other_workspace.tenant, service=other_workspace.bar)
    client = workspace.client(Role.OPERATOR)

    other_service = add_line(client, month, kitchen_product)
    other_tenant = add_line(client, month, foreign_product)

    assert (other_service.status_code, list(other_service.json()["fields"])) == (400, ["product"])
    # Another tenant's id is unknown here: the 404 of any id the tenant does not have.
    assert (other_tenant.status_code, other_tenant.json()["code"], list(other_tenant.json()["fields"])) == (
        404,
        "NOT_FOUND",
        ["product"],
    )
    assert lines_of(month) == []


def test_the_months_items_for_the_inventory_page(workspace, other_workspace, month, rum):
    kitchen_month = StockCountFactory(tenant=workspace.tenant, service=workspace.kitchen, month=month.month)
    bar_line = CountLineFactory(count=month, product=rum)
    CountLineFactory(count=kitchen_month, product__service=workspace.kitchen)
    CountLineFactory(count__service=other_workspace.bar, count__month=month.month, product__service=other_workspace.bar)
    client = workspace.client(Role.MANAGER)

    by_month = client.get(LINES, {"service": workspace.bar.pk, "month": "2026-10"})
    by_count = client.get(LINES, {"count": month.pk})
    missing = client.get(LINES)
    limited = workspace.client("operator_bar").get(LINES, {"service": workspace.kitchen.pk, "month": "2026-10"})

    assert [line["id"] for line in by_month.json()["results"]] == [bar_line.pk]
    assert [line["id"] for line in by_count.json()["results"]] == [bar_line.pk]
    assert (missing.status_code, missing.json()["code"]) == (400, "COUNT_REQUIRED")
    assert limited.status_code == 404


@pytest.mark.parametrize("rows_json_in_database", [True, False], ids=["database-writes-rows", "python-writes-rows"])
def test_the_month_is_read_page_by_page(workspace, other_workspace, month, settings, rows_json_in_database):
    """The pages carry the count and the links whether PostgreSQL or Python wrote the rows."""
    settings.ROWS_JSON_IN_DATABASE = rows_json_in_database
    ids = [CountLineFactory(count=month, product__service=workspace.bar).pk for _ in range(3)]
    CountLineFactory(count__service=other_workspace.bar, count__month=month.month, product__service=other_workspace.bar)
    client = workspace.client(Role.OPERATOR)
    query = {"service": workspace.bar.pk, "month": "2026-10", "page_size": 2}

    first = client.get(LINES, query)
    second = client.get(LINES, {**query, "page": 2})
    beyond = client.get(LINES, {**query, "page": 3})

    assert first["Content-Type"] == "application/json"
    assert {key: first.json()[key] for key in ("count", "previous")} == {"count": 3, "previous": None}
    assert "page=2" in first.json()["next"]
    assert [line["id"] for line in first.json()["results"] + second.json()["results"]] == ids
    assert second.json()["next"] is None
    assert (beyond.status_code, beyond.json()["code"]) == (404, "NOT_FOUND")
    last = client.get(LINES, {**query, "page": "last"})
    assert [line["id"] for line in last.json()["results"]] == ids[2:]
    for bad_page in ("0", "-1", "abc", "1.5"):
        refused = client.get(LINES, {**query, "page": bad_page})
        assert (refused.status_code, refused.json()["code"]) == (404, "NOT_FOUND"), bad_page


def test_the_month_reads_the_same_whoever_writes_its_rows(workspace, month, settings):
    for _ in range(3):
        CountLineFactory(count=month, product__service=workspace.bar)
    client = workspace.client(Role.OPERATOR)
    query = {"service": workspace.bar.pk, "month": "2026-10", "page_size": 2, "page": 2}

    settings.ROWS_JSON_IN_DATABASE = True
    by_database = client.get(LINES, query).json()
    settings.ROWS_JSON_IN_DATABASE = False
    by_python = client.get(LINES, query).json()

    assert by_database == by_python
    assert (by_python["count"], len(by_python["results"]), by_python["next"]) == (3, 1, None)


def test_an_empty_month_is_an_empty_page(workspace, other_workspace, month):
    CountLineFactory(count__service=other_workspace.bar, count__month=month.month, product__service=other_workspace.bar)
    client = workspace.client(Role.OPERATOR)

    empty = client.get(LINES, {"service": workspace.bar.pk, "month": "2026-10"}).json()
    not_started = client.get(LINES, {"service": workspace.kitchen.pk, "month": "2026-10"}).json()

    assert empty == not_started == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_month_keeps_the_number_of_its_lines(workspace, other_workspace, month, rum):
    """Each month knows how many lines it holds (shown with the month, and the total of its
    pages): retries, recounts, deletions and a month started after it keep it exact."""
    CountLineFactory(count__service=other_workspace.bar, count__month=month.month, product__service=other_workspace.bar)
    client = workspace.client(Role.OPERATOR)
    gin = ProductFactory(tenant=workspace.tenant, service=workspace.bar, name="Gin")
    kept = add_line(client, month, rum, client_id="a").json()
    add_line(client, month, rum, client_id="a")  # a retry
    removed = add_line(client, month, gin).json()
    add_line(client, month, gin, quantity="-1")  # refused
    assert client.delete(f"{LINES}{removed['id']}/").status_code == 204
    add_line(client, month, gin, client_id="b")
    add_line(client, month, gin, quantity="5")  # a recount sets the line
    november = client.post(COUNTS, {"service": workspace.bar.pk, "month": "2026-11"}, format="json").json()
    add_line(client, StockCount(pk=november["id"]), gin)

    october = client.get(f"{COUNTS}{month.pk}/").json()
    assert (october["line_count"], november["line_count"]) == (2, 0)
    for listed, lines in ((month.pk, 2), (november["id"], 1)):
        assert client.get(f"{COUNTS}{listed}/").json()["line_count"] == len(lines_of(listed)) == lines
        assert client.get(LINES, {"count": listed}).json()["count"] == lines
    assert kept["id"] in [line["id"] for line in client.get(LINES, {"count": month.pk}).json()["results"]]


def test_a_line_reads_the_same_in_the_list_the_detail_and_the_write_answer(workspace, other_workspace, month):
    track(workspace.bar, dlc=True, lot=True)
    gin = ProductFactory(
        tenant=workspace.tenant,
        service=workspace.bar,
        name="Gin",
        unit="l",
        category=None,
        min_quantity=Decimal("2"),
        purchase_price=Decimal("21.3333"),
        selling_price=Decimal("45"),
    )
    CountLineFactory(count__service=other_workspace.bar, count__month=month.month, product__service=other_workspace.bar)
    client = workspace.client(Role.MANAGER)
    created = add_line(
        client,
        month,
        gin,
        quantity="3",
        container_state="OPENED",
        remaining_fraction="0.25",
        expiry_date="2027-01-31",
        expiry_kind="DDM",
        lot="L7",
        client_id="phone-1",
    ).json()

    listed = client.get(LINES, {"service": workspace.bar.pk, "month": "2026-10"}).json()["results"]
    detail = client.get(f"{LINES}{created['id']}/").json()

    assert listed == [created]
    assert detail == created
    assert {key: created[key] for key in created if key not in ("id", "created_at", "updated_at")} == {
        "count": month.pk,
        "month": "2026-10",
        "product": gin.pk,
        "product_name": "Gin",
        "category_name": None,
        "unit": "l",
        "min_quantity": "2.000",
        "area": None,
        "area_name": None,
        "quantity": "3.000",
        "container_state": "OPENED",
        "remaining_fraction": "0.250",
        "remaining_quantity": None,
        "expiry_date": "2027-01-31",
        "expiry_kind": "DDM",
        "lot": "L7",
        "unit_cost": "21.3333",
        "unit_price": "45.0000",
        "line_value": "16.00",  # 3 x 0.25 l left x 21.3333, to the cent
        "estimated": False,
        "client_id": "phone-1",
        "counted_by": workspace.members[Role.MANAGER].user_id,
    }


def test_essentiel_hides_months_older_than_its_history(workspace, rum):
    today = timezone.localdate()
    old = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(today.year - 1, today.month, 1))
    current = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=today.replace(day=1))
    old_line = CountLineFactory(count=old, product=rum)
    CountLineFactory(count=current, product=rum)
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    client = workspace.client()
    lookup = client.get("/api/products/lookup/", {"barcode": rum.barcode}).json()

    counts = [c["id"] for c in client.get(COUNTS, {"service": workspace.bar.pk}).json()["results"]]
    old_lines = client.get(LINES, {"count": old.pk}).json()["results"]
    start_old = client.post(
        COUNTS, {"service": workspace.bar.pk, "month": f"{today.year - 1}-{today.month:02d}"}, format="json"
    )

    assert counts == [current.pk]
    assert old_lines == []
    assert client.get(f"{COUNTS}{old.pk}/").status_code == 404
    assert client.get(f"{LINES}{old_line.pk}/").status_code == 404
    assert [month["month"] for month in lookup["history"]] == [f"{today:%Y-%m}"]
    assert (start_old.status_code, start_old.json()["code"]) == (403, "MONTH_OUTSIDE_HISTORY")
    set_plan(workspace.tenant, PlanCode.PRO)
    assert client.get(f"{COUNTS}{old.pk}/").status_code == 200  # nothing was deleted


def _twenty_phones(name: str):
    """A bar's October count, and one operator's client per thread (committed rows: the
    threads have connections of their own)."""
    from tests.conftest import make_workspace

    workspace = make_workspace(name)
    make_workspace("Other tenant")
    count = StockCountFactory(tenant=workspace.tenant, service=workspace.bar, month=date(2026, 10, 1))
    return workspace, count, [workspace.client(Role.OPERATOR) for _ in range(20)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_twenty_simultaneous_retries_of_one_line_make_one_line():
    workspace, count, client_by_thread = _twenty_phones("Flaky network")
    product = ProductFactory(tenant=workspace.tenant, service=workspace.bar)
    statuses = run_concurrently(
        20, lambda index: add_line(client_by_thread[index], count, product, client_id="same-line").status_code
    )

    assert sorted(statuses) == [200] * 19 + [201]
    assert len(lines_of(count)) == 1
    with scopes_disabled():
        count.refresh_from_db()
    assert count.line_count == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_twenty_lines_counted_at_once_are_all_in_the_months_total():
    workspace, count, client_by_thread = _twenty_phones("Busy night")
    products = [ProductFactory(tenant=workspace.tenant, service=workspace.bar) for _ in range(20)]
    statuses = run_concurrently(20, lambda index: add_line(client_by_thread[index], count, products[index]).status_code)

    assert statuses == [201] * 20
    listed = workspace.client(Role.OPERATOR).get(LINES, {"count": count.pk, "page_size": 5}).json()
    assert listed["count"] == len(lines_of(count)) == 20
