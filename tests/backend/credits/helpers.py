"""Building credit books for the tests: customers and entries written through the services,
as the API writes them."""

from datetime import date
from decimal import Decimal

from django_scopes import scope

from stockscan.credits.models import Customer, LedgerEntry
from stockscan.credits.services import customers, ledger
from stockscan.orgs.models import Role
from tests.conftest import Workspace


def owner(ws: Workspace):
    return ws.members[Role.OWNER]


def add_customer(ws: Workspace, name: str = "Awa Diallo", **fields) -> Customer:
    with scope(tenant=ws.tenant.pk):
        customer, _code = customers.customer_create(tenant=ws.tenant, actor=ws.user(Role.OWNER), name=name, **fields)
    return customer


def credit(ws: Workspace, customer: Customer, amount, *, on: date | None = None, due: date | None = None, **kw):
    with scope(tenant=ws.tenant.pk):
        entry, _ = ledger.credit_record(
            tenant=ws.tenant,
            customer=customer,
            actor=ws.user(Role.OWNER),
            membership=owner(ws),
            amount=Decimal(str(amount)),
            occurred_on=on,
            due_date=due,
            **kw,
        )
    return entry


def pay(ws: Workspace, customer: Customer, amount, *, on: date | None = None, **kw) -> LedgerEntry:
    with scope(tenant=ws.tenant.pk):
        entry, _ = ledger.payment_record(
            tenant=ws.tenant,
            customer=customer,
            actor=ws.user(Role.OWNER),
            amount=Decimal(str(amount)),
            method=kw.pop("method", "cash"),
            occurred_on=on,
            **kw,
        )
    return entry


def reverse(ws: Workspace, entry: LedgerEntry, reason: str = "erreur") -> LedgerEntry:
    with scope(tenant=ws.tenant.pk):
        return ledger.entry_reverse(tenant=ws.tenant, entry=entry, actor=ws.user(Role.OWNER), reason=reason)
