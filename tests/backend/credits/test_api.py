"""The credit book over HTTP: customers, credits, payments, reversals, roles, retries, the
dashboard against figures computed by hand, and constant query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from stockscan.credits.models import Customer, LedgerEntry
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role
from tests.backend.credits.helpers import add_customer, credit, pay, reverse
from tests.conftest import make_workspace
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 11, 20), tick=False):
        yield


@pytest.fixture
def shop(workspace, other_workspace):
    """A PRO shop in Dakar (XOF), beside another tenant with a customer who owes."""
    set_plan(workspace.tenant, PlanCode.PRO)
    set_plan(other_workspace.tenant, PlanCode.PRO)
    workspace.tenant.currency = "XOF"
    workspace.tenant.country = "SN"
    workspace.tenant.timezone = "Africa/Dakar"
    workspace.tenant.save()
    stranger = add_customer(other_workspace, name="Autre Client")
    credit(other_workspace, stranger, "999")
    return workspace


def test_tenant_country_is_read_and_written_in_the_settings(shop):
    client = shop.client(Role.OWNER)
    assert client.get("/api/auth/tenant/").json()["country"] == "SN"
    response = client.patch("/api/auth/tenant/", {"country": "CI"}, format="json")
    assert response.status_code == 200 and response.json()["country"] == "CI"
    bad = client.patch("/api/auth/tenant/", {"country": "XX"}, format="json")
    assert bad.status_code == 400 and "country" in bad.json()["fields"]


def test_a_customer_is_created_with_an_access_code_shown_once(shop):
    client = shop.client(Role.OPERATOR)
    response = client.post("/api/customers/", {"name": "Awa Diallo", "phone": "77 123 45 67"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+221771234567"
    assert len(body["access_code"]) == 11 and body["balance"] == "0"
    again = client.get(f"/api/customers/{body['id']}/").json()
    assert "access_code" not in again
    with scopes_disabled():
        assert body["access_code"] not in Customer.objects.get(pk=body["id"]).access_code_hash


def test_credits_and_payments_over_http_in_xof(shop):
    client = shop.client(Role.OPERATOR)
    customer = add_customer(shop)
    first = client.post(
        "/api/credits/",
        {"customer": customer.pk, "amount": "1500", "description": "riz", "due_date": "2026-11-25"},
        format="json",
    )
    second = client.post(
        "/api/credits/",
        {
            "customer": customer.pk,
            "lines": [{"label": "Huile 1 L", "quantity": "3", "unit_price": "1250"}],
            "due_date": "2026-12-20",
        },
        format="json",
    )
    paid = client.post(
        "/api/payments/",
        {"customer": customer.pk, "amount": "2000", "method": "mobile_money", "reference": "OM-77"},
        format="json",
    )
    fraction = client.post("/api/payments/", {"customer": customer.pk, "amount": "10.5"}, format="json")
    too_much = client.post("/api/payments/", {"customer": customer.pk, "amount": "3251"}, format="json")

    assert (first.status_code, second.status_code, paid.status_code) == (201, 201, 201)
    assert second.json()["amount"] == "3750" and second.json()["lines"][0]["amount"] == "3750"
    assert paid.json()["signed_amount"] == "-2000"
    assert (fraction.status_code, fraction.json()["fields"].keys()) == (400, {"amount"})
    assert (too_much.status_code, too_much.json()["code"]) == (400, "OVERPAYMENT")
    detail = client.get(f"/api/customers/{customer.pk}/").json()
    assert detail["balance"] == "3250" and detail["next_due_date"] == "2026-12-20"
    credits = {row["id"]: row for row in client.get(f"/api/credits/?customer={customer.pk}").json()["results"]}
    assert credits[first.json()["id"]]["status"] == "paid"
    assert (credits[second.json()["id"]]["status"], credits[second.json()["id"]]["remaining"]) == (
        "partly_paid",
        "3250",
    )


def test_limit_override_and_manager_only_changes(shop):
    customer = add_customer(shop, credit_limit=Decimal(5000))
    operator, manager = shop.client(Role.OPERATOR), shop.client(Role.MANAGER)
    body = {"customer": customer.pk, "amount": "6000"}

    refused = operator.post("/api/credits/", body, format="json")
    not_allowed = operator.post("/api/credits/", {**body, "override_limit": True}, format="json")
    overridden = manager.post("/api/credits/", {**body, "override_limit": True}, format="json")
    limit_by_operator = operator.patch(f"/api/customers/{customer.pk}/", {"credit_limit": "9000"}, format="json")
    limit_by_manager = manager.patch(f"/api/customers/{customer.pk}/", {"credit_limit": "9000"}, format="json")
    rename_by_operator = operator.patch(f"/api/customers/{customer.pk}/", {"name": "Awa D."}, format="json")

    assert (refused.status_code, refused.json()["code"]) == (409, "CREDIT_LIMIT_EXCEEDED")
    assert (not_allowed.status_code, not_allowed.json()["code"]) == (403, "MANAGER_ONLY")
    assert overridden.status_code == 201 and overridden.json()["limit_overridden"] is True
    assert (limit_by_operator.status_code, limit_by_operator.json()["code"]) == (403, "MANAGER_ONLY")
    assert limit_by_manager.json()["credit_limit"] == "9000"
    assert rename_by_operator.status_code == 200


def test_only_owners_and_managers_reverse_and_a_reversed_payment_reopens_the_credit(shop):
    customer = add_customer(shop)
    entry = credit(shop, customer, "1000")
    payment = pay(shop, customer, "1000")
    url = f"/api/entries/{payment.pk}/reverse/"

    by_operator = shop.client(Role.OPERATOR).post(url, {"reason": "doublon"}, format="json")
    by_manager = shop.client(Role.MANAGER).post(url, {"reason": "doublon"}, format="json")
    twice = shop.client(Role.MANAGER).post(url, {"reason": "doublon"}, format="json")

    assert by_operator.status_code == 403
    assert by_manager.status_code == 201 and by_manager.json()["kind"] == "REVERSAL"
    assert (twice.status_code, twice.json()["code"]) == (409, "ALREADY_REVERSED")
    rows = {r["id"]: r for r in shop.client(Role.OPERATOR).get("/api/entries/").json()["results"]}
    assert rows[entry.pk]["status"] == "open" and rows[payment.pk]["status"] == "reversed"


def test_delete_archives_a_customer_with_entries(shop):
    customer = add_customer(shop)
    credit(shop, customer, "10")
    assert shop.client(Role.OPERATOR).delete(f"/api/customers/{customer.pk}/").status_code == 403
    response = shop.client(Role.MANAGER).delete(f"/api/customers/{customer.pk}/")
    assert response.status_code == 200 and response.json()["status"] == "archived"
    blocked = shop.client(Role.OPERATOR).post("/api/credits/", {"customer": customer.pk, "amount": "5"}, format="json")
    assert (blocked.status_code, blocked.json()["code"]) == (409, "CUSTOMER_ARCHIVED")
    with scopes_disabled():
        assert Customer.objects.filter(pk=customer.pk).exists()


def test_list_filters_search_owes_overdue_archived(shop):
    client = shop.client(Role.OPERATOR)
    late = add_customer(shop, name="Moussa Late", phone="+221771111111")
    owing = add_customer(shop, name="Fatou Owing")
    square = add_customer(shop, name="Ibrahima Square")
    gone = add_customer(shop, name="Gone")
    credit(shop, late, "500", on=TODAY - timedelta(days=40), due=TODAY - timedelta(days=10))
    credit(shop, owing, "700", due=TODAY + timedelta(days=10))
    credit(shop, square, "300")
    pay(shop, square, "300")
    with scopes_disabled():
        Customer.objects.filter(pk=gone.pk).update(status="archived")

    def names(query):
        return [row["name"] for row in client.get(f"/api/customers/?{query}").json()["results"]]

    assert names("") == ["Fatou Owing", "Ibrahima Square", "Moussa Late"]
    assert names("owes=true") == ["Fatou Owing", "Moussa Late"]
    assert names("overdue=true") == ["Moussa Late"]
    assert names("overdue=false") == ["Fatou Owing", "Ibrahima Square"]
    assert names("archived=true") == ["Gone"]
    assert names("search=fatou") == ["Fatou Owing"]
    assert names("search=77111") == ["Moussa Late"]
    late_row = client.get(f"/api/customers/{late.pk}/").json()
    assert (late_row["overdue"], late_row["overdue_amount"]) == (True, "500")


def test_retries_with_one_idempotency_key_make_one_entry(shop):
    customer = add_customer(shop)
    credit(shop, customer, "5000")
    client = shop.client(Role.OPERATOR)
    headers = {"Idempotency-Key": "phone-7:pay-1"}
    body = {"customer": customer.pk, "amount": "1000"}

    first = client.post("/api/payments/", body, format="json", headers=headers)
    again = client.post("/api/payments/", body, format="json", headers=headers)
    other = client.post("/api/payments/", {**body, "amount": "900"}, format="json", headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (other.status_code, other.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    with scopes_disabled():
        assert LedgerEntry.objects.filter(customer=customer, kind="PAYMENT").count() == 1


def test_credit_book_needs_its_entitlement_to_write_not_to_read(shop):
    customer = add_customer(shop)
    set_plan(shop.tenant, PlanCode.ESSENTIEL)
    client = shop.client(Role.OWNER)
    created = client.post("/api/customers/", {"name": "Nouveau"}, format="json")
    credited = client.post("/api/credits/", {"customer": customer.pk, "amount": "5"}, format="json")
    assert (created.status_code, created.json()["code"]) == (403, "FEATURE_NOT_INCLUDED")
    assert (credited.status_code, credited.json()["code"]) == (403, "FEATURE_NOT_INCLUDED")
    assert client.get("/api/customers/").status_code == 200


def test_max_customers_over_http(shop):
    set_plan(shop.tenant, PlanCode.BOUTIQUE)
    with scopes_disabled():
        Customer.objects.bulk_create([Customer(tenant=shop.tenant, name=f"C{n}") for n in range(300)])
    response = shop.client(Role.OWNER).post("/api/customers/", {"name": "Un de trop"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "LIMIT_MAX_CUSTOMERS")


def test_dashboard_matches_figures_computed_by_hand(shop):
    a = add_customer(shop, name="A")
    b = add_customer(shop, name="B")
    c = add_customer(shop, name="C")
    # A: 10000 from 100 days ago (due 70 days ago), 4000 from 45 days ago; paid 3000 this month.
    credit(shop, a, "10000", on=TODAY - timedelta(days=100), due=TODAY - timedelta(days=70))
    credit(shop, a, "4000", on=TODAY - timedelta(days=45), due=TODAY - timedelta(days=15))
    pay(shop, a, "3000", on=TODAY - timedelta(days=2))
    # B: 2500 from 10 days ago, not yet due; a payment last month, reversed this month.
    credit(shop, b, "2500", on=TODAY - timedelta(days=10), due=TODAY + timedelta(days=20))
    reverse(shop, credit(shop, b, "800", on=TODAY - timedelta(days=5)))
    # C: 600 from 70 days ago, paid off last month.
    credit(shop, c, "600", on=TODAY - timedelta(days=70), due=TODAY - timedelta(days=40))
    pay(shop, c, "600", on=TODAY - timedelta(days=30))
    mistaken = pay(shop, b, "100", on=TODAY - timedelta(days=1))
    reverse(shop, mistaken)

    client = shop.client(Role.OPERATOR)
    client.get("/api/dashboard/")
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/dashboard/").json()

    # A owes 11000: its oldest credit (10000) has 7000 left, the newer 4000 is whole.
    assert body["outstanding"] == "13500"
    assert body["customers_owing"] == 2
    assert body["overdue"] == "11000"
    assert body["collected_this_month"] == "3000"
    assert body["ageing"] == {"days_0_30": "2500", "days_31_60": "4000", "days_61_90": "0", "days_90_plus": "7000"}
    assert body["top_debtors"] == [
        {"id": a.pk, "name": "A", "balance": "11000"},
        {"id": b.pk, "name": "B", "balance": "2500"},
    ]
    assert len(queries) == 1, [q["sql"][:120] for q in queries.captured_queries]


def test_dashboard_query_count_does_not_grow(shop):
    client = shop.client(Role.OWNER)
    client.get("/api/dashboard/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/dashboard/")
    for n in range(15):
        customer = add_customer(shop, name=f"Client {n}")
        credit(shop, customer, "100")
        pay(shop, customer, "40")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/dashboard/")
    assert len(few) == len(many) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_twenty_simultaneous_payments_over_http_never_overdraw():
    ws = make_workspace("Boutique de Dakar")
    set_plan(ws.tenant, PlanCode.PRO)
    customer = add_customer(ws)
    credit(ws, customer, "100")
    clients = [ws.client(Role.OPERATOR) for _ in range(20)]

    responses = run_concurrently(
        20, lambda i: clients[i].post("/api/payments/", {"customer": customer.pk, "amount": "15"}, format="json")
    )

    statuses = sorted(getattr(r, "status_code", r) for r in responses)
    assert statuses == [201] * 6 + [400] * 14, statuses
    with scopes_disabled():
        entries = LedgerEntry.objects.filter(customer=customer)
        assert sum(e.signed_amount for e in entries) == Decimal(10)


def test_amounts_too_large_for_the_ledger_are_a_field_error(shop):
    customer = add_customer(shop)
    client = shop.client(Role.OWNER)
    huge_line = {"label": "x", "quantity": "999999999", "unit_price": "9999999999"}
    by_lines = client.post("/api/credits/", {"customer": customer.pk, "lines": [huge_line]}, format="json")
    by_amount = client.post("/api/credits/", {"customer": customer.pk, "amount": "100000000000"}, format="json")
    assert (by_lines.status_code, list(by_lines.json()["fields"])) == (400, ["lines"])
    assert (by_amount.status_code, list(by_amount.json()["fields"])) == (400, ["amount"])


def test_credit_book_writes_are_in_the_activity_feed(shop):
    customer = add_customer(shop, name="Awa Diallo")
    client = shop.client(Role.OPERATOR)
    client.post("/api/credits/", {"customer": customer.pk, "amount": "1500"}, format="json")
    client.post("/api/payments/", {"customer": customer.pk, "amount": "500"}, format="json")
    feed = shop.client(Role.OWNER).get("/api/activity/", HTTP_ACCEPT_LANGUAGE="fr").json()["results"]
    messages = [row["message"] for row in feed]
    assert any("a enregistré un crédit de 1500 pour Awa Diallo" in m for m in messages), messages
    assert any("a enregistré un paiement de 500 de Awa Diallo" in m for m in messages), messages
    assert any("a ajouté le client Awa Diallo" in m for m in messages), messages
