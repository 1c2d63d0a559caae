"""Retry-safe writes (`core.idempotency`): count lines and losses share one key format, one
replay, one refusal of a key reused for another write, and one guard under concurrency."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import CountLine, Loss
from stockscan.orgs.models import Role
from tests.conftest import make_workspace
from tests.factories import LossFactory, ProductFactory, StockCountFactory
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently

LINES = "/api/count-lines/"
LOSSES = "/api/losses/"
RETRIES = 12


def _kitchen(name: str):
    """A kitchen with a month to count and a product to lose, on a plan with loss management,
    beside another tenant with a line and a loss holding the same key."""
    workspace = make_workspace(name)
    set_plan(workspace.tenant, PlanCode.PRO)
    count = StockCountFactory(tenant=workspace.tenant, service=workspace.kitchen, month=date(2026, 10, 1))
    product = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen, unit="kg", purchase_price=Decimal(8))
    other = make_workspace(f"{name}, next door")
    other_product = ProductFactory(tenant=other.tenant, service=other.kitchen)
    with scopes_disabled():
        CountLine.objects.create(
            tenant=other.tenant,
            count=StockCountFactory(tenant=other.tenant, service=other.kitchen, month=date(2026, 10, 1)),
            product=other_product,
            quantity=Decimal(1),
            client_id="phone-7:retry",
        )
    LossFactory(product=other_product, client_id="phone-7:retry")
    return workspace, count, product


WRITES = {
    "count line": (LINES, lambda count, product: {"count": count.pk, "product": product.pk, "quantity": "2"}),
    "loss": (
        LOSSES,
        lambda count, product: {
            "product": product.pk,
            "quantity": "1",
            "reason": "expired",
            "occurred_on": "2026-10-12",
        },
    ),
}


def _rows(kind: str, tenant) -> int:
    model = CountLine if kind == "count line" else Loss
    with scopes_disabled():
        return model.objects.filter(tenant=tenant, client_id="phone-7:retry").count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.parametrize("kind", list(WRITES))
def test_concurrent_retries_with_one_key_make_one_row(kind):
    workspace, count, product = _kitchen(f"Flaky {kind}")
    url, body = WRITES[kind]
    clients = [workspace.client(Role.OPERATOR) for _ in range(RETRIES)]

    responses = run_concurrently(
        RETRIES,
        lambda index: clients[index].post(
            url, body(count, product), format="json", headers={"Idempotency-Key": "phone-7:retry"}
        ),
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * (RETRIES - 1) + [201], [getattr(r, "content", r) for r in responses]
    assert len({response.json()["id"] for response in responses}) == 1
    assert _rows(kind, workspace.tenant) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(WRITES))
def test_a_key_reused_for_another_write_is_refused_alike(kind):
    workspace, count, product = _kitchen(f"Reused {kind}")
    url, body = WRITES[kind]
    client = workspace.client(Role.OPERATOR)
    headers = {"Idempotency-Key": "phone-7:retry"}

    first = client.post(url, body(count, product), format="json", headers=headers)
    other = client.post(url, {**body(count, product), "quantity": "5"}, format="json", headers=headers)
    bad_key = client.post(url, body(count, product), format="json", headers={"Idempotency-Key": "x" * 65})

    assert first.status_code == 201
    assert (other.status_code, other.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert (bad_key.status_code, bad_key.json()["code"]) == (400, "INVALID_IDEMPOTENCY_KEY")
    assert _rows(kind, workspace.tenant) == 1
