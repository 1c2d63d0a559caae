"""Writing the ledger: credits, payments and reversals, nothing else (entries are never
edited or deleted).

Every entry locks its customer's row first (`select_for_update`), so the entries of one
customer are written one after the other: the balance a payment is checked against is the
one it is added to, and 20 simultaneous payments can never take a balance below zero. Under
the same lock and in the same transaction, every entry rewrites the customer's figures kept
beside the ledger (`positions_refresh`), so they can never differ from it. A
retried write (same `Idempotency-Key` / `client_id`) answers the entry it first created
(`core.idempotency`, on the unique (customer, client_id) constraint).

A payment larger than the balance is refused (400 OVERPAYMENT) rather than kept as an
advance: a cahier de crédit records debts, and an advance silently held would later hide a
credit from the customer's own view of what they owe.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from stockscan.core.audit import audit_record
from stockscan.core.idempotency import idempotent_create
from stockscan.core.money import quantize_money
from stockscan.credits.errors import (
    AlreadyReversed,
    CreditLimitExceeded,
    CustomerArchived,
    ManagerOnly,
    Overpayment,
    ReversalNotReversible,
)
from stockscan.credits.models import CreditLine, Customer, CustomerStatus, EntryKind, LedgerEntry
from stockscan.credits.selectors import credit_book_settings, customer_balance
from stockscan.credits.services.customers import exact_amount, is_manager
from stockscan.credits.services.positions import positions_refresh
from stockscan.entitlements.enforcement import require_feature
from stockscan.entitlements.plans import Feature


def _locked_customer(tenant, customer: Customer) -> Customer:
    customer = Customer.objects.select_for_update().get(tenant=tenant, pk=customer.pk)
    if customer.status != CustomerStatus.ACTIVE:
        raise CustomerArchived()
    return customer


def _occurred_on(tenant, value: date | None) -> date:
    today = tenant.today()
    if value is None:
        return today
    if value > today:
        raise ValidationError({"occurred_on": [_("An entry cannot be dated in the future.")]})
    return value


def _positive_amount(tenant, amount) -> Decimal:
    """An entry's amount: more than zero, with no more decimals than the currency has."""
    amount = exact_amount(amount, currency=tenant.currency, field="amount")
    if amount <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    return amount


def _append(*, tenant, customer_id: int, actor, action: str, audit: dict, lines=(), **fields) -> LedgerEntry:
    """What every ledger write does once it holds the customer's lock: the entry (and its
    product lines), the customer's kept figures rewritten from the ledger, the audit row."""
    entry = LedgerEntry.objects.create(tenant=tenant, customer_id=customer_id, author=_author(actor), **fields)
    if lines:
        for line in lines:
            line.entry = entry
        CreditLine.objects.bulk_create(lines)
    positions_refresh(tenant_id=tenant.pk, customer_id=customer_id)
    audit_record(tenant_id=tenant.pk, actor=actor, action=action, target=entry, after=audit)
    return entry


def _author(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _priced_lines(tenant, lines: list[dict]) -> list[CreditLine]:
    priced = []
    for line in lines:
        product = line.get("product")
        label = line.get("label") or (product.name if product is not None else "")
        if not label:
            raise ValidationError({"lines": [_("Each line needs a product or a label.")]})
        amount = exact_amount(
            quantize_money(line["quantity"] * line["unit_price"], tenant.currency),
            currency=tenant.currency,
            field="lines",
        )
        priced.append(
            CreditLine(
                tenant=tenant,
                product=product,
                label=label,
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                amount=amount,
            )
        )
    return priced


@transaction.atomic
def credit_record(
    *,
    tenant,
    customer: Customer,
    actor,
    membership,
    amount: Decimal | None = None,
    description: str = "",
    lines: list[dict] | None = None,
    due_date: date | None = None,
    occurred_on: date | None = None,
    override_limit: bool = False,
    client_id: str = "",
) -> tuple[LedgerEntry, bool]:
    """Records what the customer takes on credit. The amount is the lines' total when lines
    are given (and must equal it if also given). Due after the tenant's payment term unless
    a due date is given. Over the customer's credit limit: 409, unless an owner or manager
    overrides it explicitly."""
    require_feature(tenant, Feature.CREDIT_BOOK)
    if override_limit and not is_manager(membership):
        raise ManagerOnly()
    priced = _priced_lines(tenant, lines or [])
    if priced:
        total = exact_amount(sum((line.amount for line in priced), Decimal(0)), currency=tenant.currency, field="lines")
        if amount is not None and exact_amount(amount, currency=tenant.currency, field="amount") != total:
            raise ValidationError(
                {"amount": [_("The amount must equal the total of the lines (%(total)s).") % {"total": total}]}
            )
        amount = total
    if amount is None:
        raise ValidationError({"amount": [_("Give an amount or lines.")]})
    amount = _positive_amount(tenant, amount)
    occurred_on = _occurred_on(tenant, occurred_on)
    if due_date is None:
        due_date = occurred_on + timedelta(days=credit_book_settings(tenant).payment_term_days)
    elif due_date < occurred_on:
        raise ValidationError({"due_date": [_("The due date cannot be before the credit's date.")]})
    customer = _locked_customer(tenant, customer)
    fields = {"kind": EntryKind.CREDIT, "amount": amount}

    def create() -> LedgerEntry:
        over_limit = customer.credit_limit is not None and customer_balance(customer) + amount > customer.credit_limit
        if over_limit and not override_limit:
            raise CreditLimitExceeded(limit=str(customer.credit_limit), balance=str(customer_balance(customer)))
        return _append(
            tenant=tenant,
            customer_id=customer.pk,
            actor=actor,
            action="credit.recorded",
            audit={"amount": str(amount), "name": customer.name, "limit_overridden": over_limit},
            lines=priced,
            kind=EntryKind.CREDIT,
            amount=amount,
            signed_amount=amount,
            occurred_on=occurred_on,
            due_date=due_date,
            description=description,
            limit_overridden=over_limit,
            client_id=client_id,
        )

    return idempotent_create(
        key=client_id,
        previous=LedgerEntry.objects.filter(tenant=tenant, customer=customer, client_id=client_id),
        fields=fields,
        create=create,
    )


@transaction.atomic
def payment_record(
    *,
    tenant,
    customer: Customer,
    actor,
    amount: Decimal,
    method: str,
    reference: str = "",
    occurred_on: date | None = None,
    client_id: str = "",
) -> tuple[LedgerEntry, bool]:
    """Records what the customer paid; it settles their oldest credits first (a reading
    rule: see `selectors`). More than the balance: 400 OVERPAYMENT."""
    require_feature(tenant, Feature.CREDIT_BOOK)
    amount = _positive_amount(tenant, amount)
    occurred_on = _occurred_on(tenant, occurred_on)
    customer = _locked_customer(tenant, customer)
    fields = {"kind": EntryKind.PAYMENT, "amount": amount}

    def create() -> LedgerEntry:
        balance = customer_balance(customer)
        if amount > balance:
            raise Overpayment(balance=str(quantize_money(max(balance, Decimal(0)), tenant.currency)))
        return _append(
            tenant=tenant,
            customer_id=customer.pk,
            actor=actor,
            action="payment.recorded",
            audit={"amount": str(amount), "name": customer.name, "method": method},
            kind=EntryKind.PAYMENT,
            amount=amount,
            signed_amount=-amount,
            occurred_on=occurred_on,
            method=method,
            reference=reference,
            client_id=client_id,
        )

    return idempotent_create(
        key=client_id,
        previous=LedgerEntry.objects.filter(tenant=tenant, customer=customer, client_id=client_id),
        fields=fields,
        create=create,
    )


@transaction.atomic
def entry_reverse(*, tenant, entry: LedgerEntry, actor, reason: str) -> LedgerEntry:
    """Undoes one credit or payment with an entry of the opposite sign (owners and managers,
    checked by the view). A reversed payment puts its amount back on the credits it had
    settled; a reversed credit leaves the customer's open credits."""
    if entry.kind == EntryKind.REVERSAL:
        raise ReversalNotReversible()
    # The customer's lock first, as every entry does: reversals and payments take turns.
    Customer.objects.select_for_update().filter(tenant=tenant, pk=entry.customer_id).first()
    if LedgerEntry.objects.filter(tenant=tenant, reverses=entry).exists():
        raise AlreadyReversed()
    return _append(
        tenant=tenant,
        customer_id=entry.customer_id,
        actor=actor,
        action="entry.reversed",
        audit={"amount": str(entry.amount), "name": entry.customer.name, "kind": entry.kind, "reason": reason},
        kind=EntryKind.REVERSAL,
        amount=entry.amount,
        signed_amount=-entry.signed_amount,
        occurred_on=tenant.today(),
        reverses=entry,
        reason=reason,
    )
