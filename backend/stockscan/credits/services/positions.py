"""The figures kept beside the ledger (`CustomerPosition`, `CreditPosition`): rewritten from
the ledger, never computed any other way.

`positions_refresh` runs in every ledger write (credit, payment, reversal), in the entry's
transaction and after the customer's row lock that write already holds: the figures of one
customer are written one write after the other and commit or roll back with the entry, so they
always equal what the ledger gives. They are derived amounts, not statuses: whether a credit is
overdue stays a comparison of its due date with the tenant's today, made when read.

`positions_rebuild` rewrites a whole tenant's figures from its ledger (after a bulk load; the
migration that created the tables filled them the same way).
"""

from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from stockscan.credits.models import CreditPosition, CustomerPosition, LedgerEntry
from stockscan.credits.selectors import ledger_credit_positions

ZERO = Decimal(0)


def positions_refresh(*, tenant_id: int, customer_id: int) -> None:
    """Brings one customer's kept figures in line with their ledger. The caller holds the
    customer's row lock, inside the transaction that wrote the entry."""
    balance = (
        LedgerEntry.objects.filter(tenant_id=tenant_id, customer_id=customer_id).aggregate(total=Sum("signed_amount"))[
            "total"
        ]
        or ZERO
    )
    derived = ledger_credit_positions(tenant_id=tenant_id, customer_ids=[customer_id])
    kept = {row.entry_id: row for row in CreditPosition.objects.filter(tenant_id=tenant_id, customer_id=customer_id)}
    now = timezone.now()
    added, changed = [], []
    for credit in derived:
        row = kept.get(credit.id)
        if row is None:
            added.append(
                CreditPosition(
                    entry_id=credit.id,
                    tenant_id=tenant_id,
                    customer_id=customer_id,
                    occurred_on=credit.occurred_on,
                    due_date=credit.due_date,
                    remaining=credit.remaining,
                )
            )
        elif row.remaining != credit.remaining:
            row.remaining, row.updated_at = credit.remaining, now
            changed.append(row)
    gone = set(kept) - {credit.id for credit in derived}
    if gone:  # reversed credits
        CreditPosition.objects.filter(tenant_id=tenant_id, entry_id__in=gone).delete()
    if changed:
        CreditPosition.objects.bulk_update(changed, ["remaining", "updated_at"])
    if added:
        CreditPosition.objects.bulk_create(added)
    CustomerPosition.objects.update_or_create(
        tenant_id=tenant_id,
        customer_id=customer_id,
        defaults={"balance": balance, "earliest_unpaid_due": _earliest_unpaid_due(derived)},
    )


def positions_rebuild(*, tenant_id: int) -> int:
    """Rewrites every kept figure of the tenant from its ledger; returns the credits kept.
    For a bulk load (the benchmark's seed): the tenant must take no entry meanwhile."""
    balances = dict(
        LedgerEntry.objects.filter(tenant_id=tenant_id)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("signed_amount"))
        .values_list("customer_id", "total")
    )
    derived = ledger_credit_positions(tenant_id=tenant_id)
    by_customer: dict[int, list] = {}
    for credit in derived:
        by_customer.setdefault(credit.customer_id, []).append(credit)
    CreditPosition.objects.filter(tenant_id=tenant_id).delete()
    CustomerPosition.objects.filter(tenant_id=tenant_id).delete()
    CustomerPosition.objects.bulk_create(
        (
            CustomerPosition(
                tenant_id=tenant_id,
                customer_id=customer_id,
                balance=balance,
                earliest_unpaid_due=_earliest_unpaid_due(by_customer.get(customer_id, [])),
            )
            for customer_id, balance in balances.items()
        ),
        batch_size=5000,
    )
    CreditPosition.objects.bulk_create(
        (
            CreditPosition(
                entry_id=credit.id,
                tenant_id=tenant_id,
                customer_id=credit.customer_id,
                occurred_on=credit.occurred_on,
                due_date=credit.due_date,
                remaining=credit.remaining,
            )
            for credit in derived
        ),
        batch_size=5000,
    )
    return len(derived)


def _earliest_unpaid_due(credits):
    dues = [credit.due_date for credit in credits if credit.remaining > 0 and credit.due_date is not None]
    return min(dues, default=None)
