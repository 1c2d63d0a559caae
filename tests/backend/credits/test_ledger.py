"""The ledger's rules, through the services: append-only, exact to the currency, payments
settling the oldest credit first, statuses derived from the clock, reversals, overpayment,
credit limits, concurrency and retries."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django_scopes import scope, scopes_disabled
from rest_framework.exceptions import ValidationError

from stockscan.credits import selectors
from stockscan.credits.errors import (
    AlreadyReversed,
    CreditLimitExceeded,
    CustomerArchived,
    ManagerOnly,
    Overpayment,
    ReversalNotReversible,
)
from stockscan.credits.models import AppendOnly, Customer, CustomerStatus, LedgerEntry
from stockscan.credits.services import customers, ledger
from stockscan.entitlements.errors import LimitExceeded
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


def _balance(ws, customer) -> Decimal:
    with scope(tenant=ws.tenant.pk):
        return selectors.customer_balance(customer)


def _statuses(ws, customer, today=TODAY) -> dict:
    with scope(tenant=ws.tenant.pk):
        return {pk: status for pk, (_, status) in selectors.credit_positions(customer=customer, today=today).items()}


def test_entries_are_append_only(workspace):
    customer = add_customer(workspace)
    entry = credit(workspace, customer, "10")
    entry.amount = D(1)
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with scopes_disabled():
        assert LedgerEntry.objects.get(pk=entry.pk).amount == D(10)


def test_phone_is_stored_in_e164_with_the_tenant_country_as_default_region(workspace):
    workspace.tenant.country = "SN"
    workspace.tenant.save()
    customer = add_customer(workspace, phone="77 123 45 67")
    foreign = add_customer(workspace, name="Jean", phone="+33 6 12 34 56 78")
    assert customer.phone == "+221771234567"
    assert foreign.phone == "+33612345678"
    with pytest.raises(ValidationError):
        add_customer(workspace, name="Bad", phone="12")


@pytest.mark.parametrize(
    ("currency", "amounts", "refused"),
    [("EUR", ["10.10", "0.05", "19.99"], "3.005"), ("XOF", ["1500", "250", "10000"], "1500.5")],
)
def test_amounts_are_exact_to_the_currency(workspace, currency, amounts, refused):
    workspace.tenant.currency = currency
    workspace.tenant.save()
    customer = add_customer(workspace)
    for amount in amounts:
        credit(workspace, customer, amount)
    pay(workspace, customer, amounts[0])

    assert _balance(workspace, customer) == sum(D(a) for a in amounts[1:])
    with pytest.raises(ValidationError):
        credit(workspace, customer, refused)
    with pytest.raises(ValidationError):
        pay(workspace, customer, refused)


def test_payments_settle_the_oldest_credit_first(workspace):
    customer = add_customer(workspace)
    first = credit(workspace, customer, "100", on=TODAY - timedelta(days=10), due=TODAY + timedelta(days=5))
    second = credit(workspace, customer, "50", on=TODAY - timedelta(days=5), due=TODAY + timedelta(days=5))
    third = credit(workspace, customer, "30", on=TODAY, due=TODAY + timedelta(days=5))

    pay(workspace, customer, "120")

    with scope(tenant=workspace.tenant.pk):
        positions = selectors.credit_positions(customer=customer, today=TODAY)
    assert positions[first.pk] == (D(0), "paid")
    assert positions[second.pk] == (D(30), "partly_paid")
    assert positions[third.pk] == (D(30), "open")


def test_overdue_comes_by_itself_when_the_clock_passes_the_due_date(workspace):
    customer = add_customer(workspace)
    entry = credit(workspace, customer, "40", due=TODAY + timedelta(days=3))
    pay(workspace, customer, "10")
    assert _statuses(workspace, customer)[entry.pk] == "partly_paid"

    with time_machine.travel(TODAY + timedelta(days=4), tick=False):
        assert _statuses(workspace, customer, today=workspace.tenant.today())[entry.pk] == "overdue"
        with scope(tenant=workspace.tenant.pk):
            overdue = selectors.customer_list(tenant=workspace.tenant, overdue=True)
            assert list(overdue) == [customer]


def test_due_date_defaults_from_the_payment_term(workspace):
    customer = add_customer(workspace)
    with scope(tenant=workspace.tenant.pk):
        settings_row = selectors.credit_book_settings(workspace.tenant)
        settings_row.payment_term_days = 15
        settings_row.save()
    entry = credit(workspace, customer, "5")
    assert entry.due_date == TODAY + timedelta(days=15)


def test_reversing_a_payment_restores_the_credit_status(workspace):
    customer = add_customer(workspace)
    entry = credit(workspace, customer, "60")
    payment = pay(workspace, customer, "60")
    assert _statuses(workspace, customer)[entry.pk] == "paid"

    reverse(workspace, payment)

    assert _statuses(workspace, customer)[entry.pk] == "open"
    assert _balance(workspace, customer) == D(60)
    with pytest.raises(AlreadyReversed):
        reverse(workspace, payment)


def test_reversing_a_credit_takes_it_out_and_a_reversal_cannot_be_reversed(workspace):
    customer = add_customer(workspace)
    kept = credit(workspace, customer, "20")
    wrong = credit(workspace, customer, "70")
    reversal = reverse(workspace, wrong)
    assert _balance(workspace, customer) == D(20)
    assert set(_statuses(workspace, customer)) == {kept.pk}
    with pytest.raises(ReversalNotReversible):
        reverse(workspace, reversal)


def test_a_payment_larger_than_the_balance_is_refused(workspace):
    customer = add_customer(workspace)
    credit(workspace, customer, "25")
    with pytest.raises(Overpayment):
        pay(workspace, customer, "25.01")
    pay(workspace, customer, "25")
    assert _balance(workspace, customer) == D(0)


def test_credit_limit_is_enforced_unless_a_manager_overrides_it(workspace):
    customer = add_customer(workspace, credit_limit=D(100))
    credit(workspace, customer, "80")
    with pytest.raises(CreditLimitExceeded):
        credit(workspace, customer, "30")
    with scope(tenant=workspace.tenant.pk), pytest.raises(ManagerOnly):
        ledger.credit_record(
            tenant=workspace.tenant,
            customer=customer,
            actor=workspace.user(Role.OPERATOR),
            membership=workspace.members[Role.OPERATOR],
            amount=D(30),
            override_limit=True,
        )
    with scope(tenant=workspace.tenant.pk):
        entry, _ = ledger.credit_record(
            tenant=workspace.tenant,
            customer=customer,
            actor=workspace.user(Role.MANAGER),
            membership=workspace.members[Role.MANAGER],
            amount=D(30),
            override_limit=True,
        )
    assert entry.limit_overridden
    assert _balance(workspace, customer) == D(110)


def test_archived_customers_take_no_entries_and_are_never_deleted_with_entries(workspace):
    customer = add_customer(workspace)
    credit(workspace, customer, "5")
    with scope(tenant=workspace.tenant.pk):
        assert customers.customer_remove(tenant=workspace.tenant, customer=customer, actor=None) is False
        customer.refresh_from_db()
    assert customer.status == CustomerStatus.ARCHIVED
    with pytest.raises(CustomerArchived):
        credit(workspace, customer, "5")
    empty = add_customer(workspace, name="Sans dette")
    with scope(tenant=workspace.tenant.pk):
        assert customers.customer_remove(tenant=workspace.tenant, customer=empty, actor=None) is True


@pytest.mark.parametrize("currency", ["EUR", "XOF"])
def test_balance_is_always_the_sum_of_the_entries_over_random_sequences(workspace, currency):
    workspace.tenant.currency = currency
    workspace.tenant.save()
    rng = random.Random(f"ledger-{currency}")
    unit = D("0.01") if currency == "EUR" else D(1)
    people = [add_customer(workspace, name=f"Client {n}") for n in range(3)]
    expected = dict.fromkeys((c.pk for c in people), D(0))
    written: list[LedgerEntry] = []
    for _step in range(60):
        customer = rng.choice(people)
        action = rng.random()
        if action < 0.5:
            amount = unit * rng.randint(1, 50000)
            written.append(credit(workspace, customer, amount, on=TODAY - timedelta(days=rng.randint(0, 90))))
            expected[customer.pk] += amount
        elif action < 0.8:
            owed = expected[customer.pk]
            amount = unit * rng.randint(1, 60000)
            if amount > owed:
                with pytest.raises(Overpayment):
                    pay(workspace, customer, amount)
                continue
            written.append(pay(workspace, customer, amount))
            expected[customer.pk] -= amount
        else:
            with scopes_disabled():
                candidates = [e for e in written if not LedgerEntry.objects.filter(reverses=e).exists()]
            if not candidates:
                continue
            entry = rng.choice(candidates)
            reverse(workspace, entry)
            expected[entry.customer_id] -= entry.signed_amount
        for person in people:
            balance = _balance(workspace, person)
            assert balance == expected[person.pk]
            with scope(tenant=workspace.tenant.pk):
                remaining = sum(r for r, _ in selectors.credit_positions(customer=person, today=TODAY).values())
            # What the credits still owe adds up to the balance whenever the customer owes.
            assert remaining == max(balance, D(0))


def test_a_retried_write_makes_one_entry(workspace):
    customer = add_customer(workspace)
    credit(workspace, customer, "50")
    first = pay(workspace, customer, "10", client_id="pay-1")
    again = pay(workspace, customer, "10", client_id="pay-1")
    assert first.pk == again.pk
    assert _balance(workspace, customer) == D(40)


def _pro_workspace(name):
    ws = make_workspace(name)
    set_plan(ws.tenant, PlanCode.PRO)
    return ws


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_twenty_simultaneous_payments_never_overdraw():
    ws = _pro_workspace("Boutique concurrente")
    customer = add_customer(ws)
    credit(ws, customer, "100")

    def work(index):
        with scope(tenant=ws.tenant.pk):
            return ledger.payment_record(tenant=ws.tenant, customer=customer, actor=None, amount=D(15), method="cash")

    results = run_concurrently(20, work)

    accepted = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Overpayment)]
    assert len(accepted) == 6 and len(refused) == 14, results
    assert _balance(ws, customer) == D(10)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_max_customers_holds_under_concurrency():
    ws = make_workspace("Boutique pleine")
    set_plan(ws.tenant, PlanCode.BOUTIQUE)
    with scopes_disabled():
        Customer.objects.bulk_create([Customer(tenant=ws.tenant, name=f"C{n}") for n in range(295)])

    def work(index):
        with scope(tenant=ws.tenant.pk):
            return customers.customer_create(tenant=ws.tenant, actor=None, name=f"New {index}")

    results = run_concurrently(12, work)

    assert sum(isinstance(r, tuple) for r in results) == 5
    assert all(isinstance(r, LimitExceeded) for r in results if not isinstance(r, tuple))
    with scopes_disabled():
        assert Customer.objects.filter(tenant=ws.tenant, status=CustomerStatus.ACTIVE).count() == 300
