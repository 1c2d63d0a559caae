"""The customer's own view: by access code (public, throttled, unknown/revoked/malformed
answer alike) and by a shared statement link (signed, expiring, revocable)."""

import math
from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from stockscan.credits.models import Customer
from stockscan.credits.services.customers import ACCESS_CODE_ALPHABET
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role
from tests.backend.credits.helpers import credit, pay
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

ACCESS = "/api/customers/access/"
SHARED = "/api/customers/statement/"
TODAY = date(2026, 11, 20)


def allowed(scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/", 1)[0])


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 11, 20), tick=False):
        yield


@pytest.fixture
def shop(workspace, other_workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    workspace.tenant.name = "Boutique Awa"
    workspace.tenant.currency = "XOF"
    workspace.tenant.save()
    return workspace


def _customer_with_code(ws, name="Moussa Ndiaye"):
    response = ws.client(Role.OWNER).post(
        "/api/customers/", {"name": name, "notes": "secret note", "credit_limit": "50000"}, format="json"
    )
    body = response.json()
    with scopes_disabled():
        return Customer.objects.get(pk=body["id"]), body["access_code"]


def test_the_code_opens_a_read_only_statement_and_nothing_else(shop):
    customer, code = _customer_with_code(shop)
    credit(shop, customer, "5000", on=TODAY - timedelta(days=20), due=TODAY - timedelta(days=5), description="riz")
    credit(shop, customer, "2000", due=TODAY + timedelta(days=10))
    pay(shop, customer, "3000", method="mobile_money")

    response = APIClient().post(ACCESS, {"code": code.lower()}, format="json", REMOTE_ADDR="198.51.100.1")

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"shop", "first_name", "currency", "balance", "open_credits", "recent_payments"}
    assert (body["shop"], body["first_name"], body["balance"]) == ("Boutique Awa", "Moussa", "4000")
    assert [(c["remaining"], c["due_date"], c["overdue"]) for c in body["open_credits"]] == [
        ("2000", "2026-11-15", True),
        ("2000", "2026-11-30", False),
    ]
    assert body["recent_payments"] == [{"occurred_on": "2026-11-20", "amount": "3000", "method": "mobile_money"}]
    assert "secret note" not in response.content.decode()


def test_codes_have_at_least_50_bits_and_no_look_alikes(shop):
    _, code = _customer_with_code(shop)
    assert len(code) * math.log2(len(ACCESS_CODE_ALPHABET)) >= 50
    assert not set("01OIL") & set(ACCESS_CODE_ALPHABET)
    assert set(code) <= set(ACCESS_CODE_ALPHABET)


def test_unknown_revoked_and_malformed_codes_answer_alike(shop):
    customer, old_code = _customer_with_code(shop)
    regenerated = shop.client(Role.OWNER).post(f"/api/customers/{customer.pk}/access-code/")
    assert regenerated.status_code == 200
    new_code = regenerated.json()["access_code"]
    assert new_code != old_code

    answers, query_counts = [], []
    for n, code in enumerate([old_code, "ZZZZZZZZZZZ", "<script>", "", "0" * 200]):
        with CaptureQueriesContext(connection) as queries:
            answers.append(APIClient().post(ACCESS, {"code": code}, format="json", REMOTE_ADDR=f"203.0.113.{n}"))
        query_counts.append(len(queries))

    assert {(a.status_code, a.content) for a in answers} == {(404, answers[0].content)}
    assert answers[0].json()["code"] == "ACCESS_CODE_INVALID"
    assert len(set(query_counts)) == 1, query_counts
    ok = APIClient().post(ACCESS, {"code": new_code}, format="json", REMOTE_ADDR="203.0.113.99")
    assert ok.status_code == 200


def test_an_operator_cannot_regenerate_a_code(shop):
    customer, _ = _customer_with_code(shop)
    assert shop.client(Role.OPERATOR).post(f"/api/customers/{customer.pk}/access-code/").status_code == 403


def test_guessing_is_throttled_per_address(shop):
    client = APIClient()
    for n in range(allowed("customer_access_ip")):
        code = ACCESS_CODE_ALPHABET[n % 31] + ACCESS_CODE_ALPHABET[n // 31] + "XYZ2345678"
        assert client.post(ACCESS, {"code": code}, format="json", REMOTE_ADDR="192.0.2.7").status_code == 404
    refused = client.post(ACCESS, {"code": "QQQQQQQQQQQ"}, format="json", REMOTE_ADDR="192.0.2.7")
    assert refused.status_code == 429 and refused.json()["code"] == "THROTTLED"


def test_guessing_one_prefix_from_many_addresses_is_throttled(shop):
    client = APIClient()
    for n in range(allowed("customer_access_prefix")):
        code = f"ABCD{n:07d}".replace("0", "2").replace("1", "3")
        assert client.post(ACCESS, {"code": code}, format="json", REMOTE_ADDR=f"192.0.2.{n + 1}").status_code == 404
    refused = client.post(ACCESS, {"code": "abcd-9999999"}, format="json", REMOTE_ADDR="198.51.100.200")
    assert refused.status_code == 429


def _link(ws, customer) -> dict:
    response = ws.client(Role.OWNER).post(f"/api/customers/{customer.pk}/statement-link/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_statement_link_opens_the_statement_until_it_expires(shop):
    customer, _ = _customer_with_code(shop)
    credit(shop, customer, "1500")
    link = _link(shop, customer)
    assert link["url"].endswith(link["token"])

    opened = APIClient().get(SHARED, {"token": link["token"]})
    assert opened.status_code == 200 and opened.json()["balance"] == "1500"

    with time_machine.travel(date(2026, 11, 20) + timedelta(days=settings.CREDIT_STATEMENT_LINK_DAYS + 1)):
        expired = APIClient().get(SHARED, {"token": link["token"]})
    assert (expired.status_code, expired.json()["code"]) == (404, "STATEMENT_LINK_INVALID")


def test_tampered_and_revoked_links_answer_alike(shop):
    customer, _ = _customer_with_code(shop)
    other, _ = _customer_with_code(shop, name="Autre")
    link = _link(shop, customer)
    token = link["token"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    swapped = _link(shop, other)["token"].split(":")[0] + ":" + token.split(":", 1)[1]

    assert shop.client(Role.OPERATOR).delete(f"/api/customers/{customer.pk}/statement-link/").status_code == 403
    assert shop.client(Role.MANAGER).delete(f"/api/customers/{customer.pk}/statement-link/").status_code == 204
    answers = [APIClient().get(SHARED, {"token": t}) for t in (token, tampered, swapped, "garbage")]

    assert {(a.status_code, a.content) for a in answers} == {(404, answers[0].content)}
    assert answers[0].json()["code"] == "STATEMENT_LINK_INVALID"
    fresh = _link(shop, customer)
    assert APIClient().get(SHARED, {"token": fresh["token"]}).status_code == 200
