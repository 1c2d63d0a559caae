"""The figures kept beside the ledger (a customer's balance and earliest due date still owed,
what each credit still owes) against the ledger recomputed from scratch: over random sequences
of credits, payments and reversals they are always equal; "overdue" turns true by the clock
alone, with no write; the whole-book reads that use them (dashboard, `overdue` and `owes`
filters) keep a constant number of queries."""

import importlib
import random
import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from stockscan.credits import selectors
from stockscan.credits.errors import Overpayment
from stockscan.credits.models import CreditPosition, CustomerPosition, EntryKind, LedgerEntry
from stockscan.credits.services import ledger
from stockscan.credits.services.positions import positions_rebuild
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role
from tests.backend.credits.helpers import add_customer, credit, pay, reverse
from tests.conftest import make_workspace
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 11, 20), tick=False):
        yield


def _from_scratch(tenant) -> tuple[dict[int, Decimal], dict[int, tuple[int, date, date | None, Decimal]]]:
    """The ledger recomputed in Python, independently of the SQL: each customer's balance
    (the sum of every entry), and each live credit's remaining amount, the payments settling
    the oldest credits (by date, then id) first."""
    with scopes_disabled():
        entries = list(LedgerEntry.objects.filter(tenant=tenant).order_by("occurred_on", "id"))
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id is not None}
    balances: dict[int, Decimal] = {}
    for entry in entries:
        balances[entry.customer_id] = balances.get(entry.customer_id, D(0)) + entry.signed_amount
    credits: dict[int, tuple[int, date, date | None, Decimal]] = {}
    for customer_id, balance in balances.items():
        live = [e for e in entries if e.customer_id == customer_id and e.kind == EntryKind.CREDIT]
        live = [e for e in live if e.pk not in reversed_ids]
        paid = sum((e.amount for e in live), D(0)) - balance  # what the payments have settled
        for entry in live:  # oldest first
            settled = min(entry.amount, max(paid, D(0)))
            paid -= settled
            credits[entry.pk] = (customer_id, entry.occurred_on, entry.due_date, entry.amount - settled)
    return balances, credits


def _kept(tenant):
    with scopes_disabled():
        customers = {
            p.customer_id: (p.balance, p.earliest_unpaid_due) for p in CustomerPosition.objects.filter(tenant=tenant)
        }
        credits = {
            p.entry_id: (p.customer_id, p.occurred_on, p.due_date, p.remaining)
            for p in CreditPosition.objects.filter(tenant=tenant)
        }
    return customers, credits


def _assert_kept_equals_the_ledger(tenant):
    balances, credits = _from_scratch(tenant)
    kept_customers, kept_credits = _kept(tenant)
    assert kept_credits == credits
    earliest = {}
    for customer_id, _on, due, remaining in credits.values():
        if remaining > 0 and due is not None:
            earliest[customer_id] = min(due, earliest.get(customer_id, due))
    assert kept_customers == {pk: (balance, earliest.get(pk)) for pk, balance in balances.items()}
    # The SQL derivation the services write from agrees too.
    with scopes_disabled():
        derived = selectors.ledger_credit_positions(tenant_id=tenant.pk)
    assert {c.id: c.remaining for c in derived} == {pk: row[3] for pk, row in credits.items()}
    return balances, credits


def _expected_dashboard(balances, credits, today):
    def age(on):
        days = (today - on).days
        return (
            "days_0_30"
            if days <= 30
            else "days_31_60"
            if days <= 60
            else "days_61_90"
            if days <= 90
            else "days_90_plus"
        )

    ageing = dict.fromkeys(["days_0_30", "days_31_60", "days_61_90", "days_90_plus"], D(0))
    for _customer, on, _due, remaining in credits.values():
        ageing[age(on)] += remaining
    return {
        "outstanding": sum((b for b in balances.values() if b > 0), D(0)),
        "customers_owing": sum(1 for b in balances.values() if b > 0),
        "overdue": sum((r for _c, _on, due, r in credits.values() if due is not None and due < today), D(0)),
        "ageing": ageing,
    }


def _dashboard(ws, today):
    with scope(tenant=ws.tenant.pk):
        found = selectors.dashboard(tenant=ws.tenant, today=today)
    return {
        "outstanding": found.outstanding,
        "customers_owing": found.customers_owing,
        "overdue": found.overdue,
        "ageing": {f"days_{k}": v for k, v in found.ageing.items()},
    }


@pytest.mark.parametrize(("currency", "seed"), [("EUR", 1), ("XOF", 2), ("XOF", 3)])
def test_kept_figures_always_equal_the_ledger_over_random_sequences(workspace, other_workspace, currency, seed):
    workspace.tenant.currency = currency
    workspace.tenant.save()
    # Another tenant's ledger moves too: nothing of it may leak into this one's figures.
    stranger = add_customer(other_workspace, name="Autre")
    credit(other_workspace, stranger, "70", on=TODAY - timedelta(days=5), due=TODAY - timedelta(days=1))
    rng = random.Random(f"positions-{currency}-{seed}")
    unit = D("0.01") if currency == "EUR" else D(1)
    people = [add_customer(workspace, name=f"Client {n}") for n in range(3)]
    written: list[LedgerEntry] = []
    kinds_done = set()
    for _step in range(70):
        customer = rng.choice(people)
        action = rng.random()
        if action < 0.45:
            on = TODAY - timedelta(days=rng.randint(0, 120))  # back-dated: FIFO order changes
            due = on + timedelta(days=rng.randint(0, 60))
            written.append(credit(workspace, customer, unit * rng.randint(1, 5000), on=on, due=due))
            kinds_done.add("credit")
        elif action < 0.8:
            with scope(tenant=workspace.tenant.pk):
                owed = selectors.customer_balance(customer)
            amount = unit * rng.randint(1, 6000)
            if amount > owed:
                with pytest.raises(Overpayment):
                    pay(workspace, customer, amount)
                kinds_done.add("refused")
            else:
                written.append(pay(workspace, customer, amount, on=TODAY - timedelta(days=rng.randint(0, 40))))
                kinds_done.add("payment")
        else:
            with scopes_disabled():
                candidates = [e for e in written if not LedgerEntry.objects.filter(reverses=e).exists()]
            if candidates:
                entry = rng.choice(candidates)
                reverse(workspace, entry)
                kinds_done.add(f"reversed {entry.kind}")
        balances, credits = _assert_kept_equals_the_ledger(workspace.tenant)
        assert _dashboard(workspace, TODAY) == _expected_dashboard(balances, credits, TODAY)
        overdue = {c for c, _on, due, r in credits.values() if r > 0 and due is not None and due < TODAY}
        with scope(tenant=workspace.tenant.pk):
            listed = {c.pk for c in selectors.customer_list(tenant=workspace.tenant, overdue=True)}
            owing = {c.pk for c in selectors.customer_list(tenant=workspace.tenant, owes=True)}
            not_owing = {c.pk for c in selectors.customer_list(tenant=workspace.tenant, owes=False)}
        assert listed == overdue
        assert owing == {pk for pk, b in balances.items() if b > 0}
        assert not_owing == {c.pk for c in people} - owing
    # The sequence went through every kind of write the figures must follow.
    assert {"credit", "payment", "refused", "reversed CREDIT", "reversed PAYMENT"} <= kinds_done, kinds_done
    _assert_kept_equals_the_ledger(other_workspace.tenant)


def test_a_rebuild_from_the_ledger_gives_the_figures_the_entries_kept(workspace):
    a, b = add_customer(workspace, name="A"), add_customer(workspace, name="B")
    credit(workspace, a, "100", on=TODAY - timedelta(days=40), due=TODAY - timedelta(days=10))
    late = credit(workspace, a, "50", on=TODAY - timedelta(days=50), due=TODAY - timedelta(days=20))
    pay(workspace, a, "60")
    reverse(workspace, credit(workspace, b, "30"))
    credit(workspace, b, "20", due=TODAY + timedelta(days=5))
    kept = _kept(workspace.tenant)
    # The back-dated credit is the oldest: the payment settled it first.
    assert kept[1][late.pk][3] == D(0)

    with scopes_disabled():
        positions_rebuild(tenant_id=workspace.tenant.pk)

    assert _kept(workspace.tenant) == kept
    _assert_kept_equals_the_ledger(workspace.tenant)


def test_overdue_turns_true_by_the_clock_alone_with_no_write(workspace):
    customer = add_customer(workspace)
    entry = credit(workspace, customer, "40", due=TODAY + timedelta(days=3))
    pay(workspace, customer, "10")
    with scopes_disabled():
        before = list(CustomerPosition.objects.values()), list(CreditPosition.objects.values())

    def overdue_customers(today):
        with scope(tenant=workspace.tenant.pk):
            return list(selectors.customer_list(tenant=workspace.tenant, overdue=True))

    assert overdue_customers(workspace.tenant.today()) == []
    with time_machine.travel(TODAY + timedelta(days=3), tick=False):  # due today: not yet late
        assert overdue_customers(workspace.tenant.today()) == []
        assert _dashboard(workspace, workspace.tenant.today())["overdue"] == D(0)
    with time_machine.travel(TODAY + timedelta(days=4), tick=False):
        today = workspace.tenant.today()
        with CaptureQueriesContext(connection) as queries:
            assert overdue_customers(today) == [customer]
            assert _dashboard(workspace, today)["overdue"] == D(30)
            with scope(tenant=workspace.tenant.pk):
                assert selectors.credit_positions(customer=customer, today=today)[entry.pk] == (D(30), "overdue")
        writes = [q["sql"] for q in queries.captured_queries if re.search(r"\b(INSERT|UPDATE|DELETE)\b", q["sql"])]
        assert writes == [], writes
    with scopes_disabled():
        assert (list(CustomerPosition.objects.values()), list(CreditPosition.objects.values())) == before


def test_whole_book_reads_keep_a_constant_query_count(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    client = workspace.client(Role.OPERATOR)
    paths = ["/api/dashboard/", "/api/customers/?overdue=true", "/api/customers/?owes=true&overdue=false"]
    late = TODAY - timedelta(days=1)

    def counts():
        found = {}
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code == 200, response.content
            found[path] = len(queries)
        return found

    first = add_customer(workspace, name="Client 0")
    credit(workspace, first, "100", on=late - timedelta(days=30), due=late)
    credit(workspace, add_customer(workspace, name="Client A"), "100", due=TODAY)  # owes, not late
    counts()  # warm
    few = counts()
    for n in range(1, 16):
        customer = add_customer(workspace, name=f"Client {n}")
        credit(workspace, customer, "100", on=late - timedelta(days=30 * (n % 5)), due=late if n % 2 else TODAY)
        pay(workspace, customer, "40")
    many = counts()
    assert few == many
    assert many["/api/dashboard/"] == 1
    overdue = client.get("/api/customers/?overdue=true").json()
    assert overdue["count"] == 1 + 8
    assert all(row["overdue"] for row in overdue["results"])


def test_the_migration_fills_the_figures_from_an_existing_ledger(workspace, other_workspace):
    """Migration 0002's fill, run on a ledger whose figures are missing (as before it)."""
    fill = importlib.import_module("stockscan.credits.migrations.0002_kept_positions").fill_positions
    for ws, name in ((workspace, "A"), (other_workspace, "B")):
        customer = add_customer(ws, name=name)
        credit(ws, customer, "100", on=TODAY - timedelta(days=40), due=TODAY - timedelta(days=10))
        credit(ws, customer, "80", on=TODAY - timedelta(days=60), due=TODAY - timedelta(days=30))
        reverse(ws, pay(ws, customer, "20"))
        pay(ws, customer, "90")
        reverse(ws, credit(ws, customer, "5"))
    add_customer(workspace, name="Sans écriture")
    kept = _kept(workspace.tenant), _kept(other_workspace.tenant)
    with scopes_disabled():
        CreditPosition.objects.all().delete()
        CustomerPosition.objects.all().delete()

        fill(django_apps, SimpleNamespace(connection=connection))

    assert (_kept(workspace.tenant), _kept(other_workspace.tenant)) == kept
    _assert_kept_equals_the_ledger(workspace.tenant)
    _assert_kept_equals_the_ledger(other_workspace.tenant)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_simultaneous_credits_and_payments_keep_the_figures_equal_to_the_ledger():
    ws = make_workspace("Boutique simultanée")
    set_plan(ws.tenant, PlanCode.PRO)
    customer = add_customer(ws)
    credit(ws, customer, "100", on=TODAY - timedelta(days=20), due=TODAY - timedelta(days=5))

    def work(index):
        with scope(tenant=ws.tenant.pk):
            if index % 2:
                return ledger.payment_record(
                    tenant=ws.tenant, customer=customer, actor=None, amount=D(15), method="cash"
                )
            return ledger.credit_record(
                tenant=ws.tenant,
                customer=customer,
                actor=None,
                membership=ws.members[Role.OWNER],
                amount=D(10),
                occurred_on=TODAY - timedelta(days=index),
                due_date=TODAY + timedelta(days=index),
            )

    results = run_concurrently(20, work)

    assert any(isinstance(r, tuple) for r in results)
    balances, _credits = _assert_kept_equals_the_ledger(ws.tenant)
    assert balances[customer.pk] >= 0
