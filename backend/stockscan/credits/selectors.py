# ruff: noqa: S608, S611 -- the SQL put together here joins only this module's constant text and
# "%s" placeholders; every value (ids, dates) travels as a query parameter.
"""Reads of the credit book. Balances are sums of the ledger; which credits are still owed
is derived here, in SQL, from the balance and the credits (payments settle the oldest credit
first), so a status is never stored and never stale: `overdue` turns true by itself the day
after a due date, in the tenant's time zone."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from stockscan.core.money import quantize_money
from stockscan.credits.models import (
    CreditBookSettings,
    CreditStatus,
    Customer,
    CustomerStatus,
    EntryKind,
    LedgerEntry,
)

ZERO = Decimal(0)
MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=3)


def active_customer_count(tenant) -> int:
    """Customers counted against `max_customers`: the active ones (archived ones free a seat)."""
    return Customer.objects.filter(tenant=tenant, status=CustomerStatus.ACTIVE).count()


def credit_book_settings(tenant) -> CreditBookSettings:
    """The tenant's settings, created with the defaults on first read."""
    found = CreditBookSettings.objects.filter(tenant=tenant).first()
    if found is not None:
        return found
    CreditBookSettings.objects.bulk_create([CreditBookSettings(tenant=tenant)], ignore_conflicts=True)
    return CreditBookSettings.objects.get(tenant=tenant)


def customer_balance(customer: Customer) -> Decimal:
    total = LedgerEntry.objects.filter(tenant_id=customer.tenant_id, customer=customer).aggregate(
        total=Sum("signed_amount")
    )["total"]
    return total or ZERO


def _balance_subquery(tenant):
    per_customer = (
        LedgerEntry.objects.filter(tenant=tenant, customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(total=Sum("signed_amount"))
        .values("total")
    )
    return Coalesce(Subquery(per_customer, output_field=MONEY_OUTPUT), Value(ZERO), output_field=MONEY_OUTPUT)


# What each live credit (a credit not reversed) still owes, with payments settling the oldest
# credits first: with a balance B, the newest credits are the unpaid ones, so a credit remains
# owed by min(amount, max(0, B - newer)), `newer` being the sum of the customer's live credits
# after it. Three CTEs: `b` the customers' balances, `live` the live credits with `newer` (a
# window over the credits in the order of the index on tenant, customer, date desc, id desc),
# `p` the credits with what remains of them.
_POSITIONS_CTES = """
b AS (
    SELECT customer_id, SUM(signed_amount) AS balance
    FROM credits_ledgerentry
    WHERE tenant_id = %s {customers}
    GROUP BY customer_id
), live AS (
    SELECT e.id, e.customer_id, e.amount, e.due_date, e.occurred_on,
        COALESCE(SUM(e.amount) OVER (
            PARTITION BY e.customer_id ORDER BY e.occurred_on DESC, e.id DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ), 0) AS newer
    FROM credits_ledgerentry e
    WHERE e.tenant_id = %s AND e.kind = 'CREDIT' {customers_e}
        AND e.id NOT IN (
            SELECT r.reverses_id FROM credits_ledgerentry r WHERE r.tenant_id = %s AND r.reverses_id IS NOT NULL
        )
), p AS (
    SELECT live.id, live.customer_id, live.amount, live.due_date, live.occurred_on, b.balance,
        CASE WHEN b.balance - live.newer <= 0 THEN 0
             WHEN b.balance - live.newer >= live.amount THEN live.amount
             ELSE b.balance - live.newer END AS remaining
    FROM live JOIN b ON b.customer_id = live.customer_id
)
"""


def positions_ctes(tenant_id: int, customer_ids: list[int] | None = None) -> tuple[str, list]:
    """The CTEs described above (text after WITH) and their parameters, for a whole tenant or
    some of its customers."""
    if customer_ids is None:
        return _POSITIONS_CTES.format(customers="", customers_e=""), [tenant_id, tenant_id, tenant_id]
    marks = ", ".join(["%s"] * len(customer_ids)) or "NULL"
    sql = _POSITIONS_CTES.format(
        customers=f"AND customer_id IN ({marks})", customers_e=f"AND e.customer_id IN ({marks})"
    )
    return sql, [tenant_id, *customer_ids, tenant_id, *customer_ids, tenant_id]


def credit_positions_sql(tenant_id: int, customer_ids: list[int] | None = None) -> tuple[str, list]:
    """Every live credit's remaining amount: columns id, customer_id, amount, due_date,
    occurred_on, balance, remaining."""
    ctes, params = positions_ctes(tenant_id, customer_ids)
    return f"WITH {ctes} SELECT * FROM p", params


def _overdue_customer_ids_sql(tenant_id: int, today: date) -> tuple[str, list]:
    positions, params = credit_positions_sql(tenant_id)
    return (
        f"SELECT p.customer_id FROM ({positions}) p WHERE p.remaining > 0 AND p.due_date < %s",
        [*params, today],
    )


def customer_list(
    *,
    tenant,
    search: str = "",
    owes: bool | None = None,
    overdue: bool | None = None,
    archived: str = "false",
    today: date | None = None,
):
    """The tenant's customers with their balance (`balance`); `search` matches the name or
    the phone, `owes`/`overdue` filter on what they owe, `archived` is false, true or all."""
    customers = Customer.objects.filter(tenant=tenant).annotate(balance=_balance_subquery(tenant))
    if archived == "false":
        customers = customers.filter(status=CustomerStatus.ACTIVE)
    elif archived == "true":
        customers = customers.filter(status=CustomerStatus.ARCHIVED)
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        match = Q(name__icontains=search)
        if len(digits) >= 3:
            match |= Q(phone__contains=digits)
        customers = customers.filter(match)
    if owes is not None:
        customers = customers.filter(balance__gt=0) if owes else customers.filter(balance__lte=0)
    if overdue is not None:
        sql, params = _overdue_customer_ids_sql(tenant.pk, today or tenant.today())
        in_overdue = Q(pk__in=RawSQL(sql, params))
        customers = customers.filter(in_overdue if overdue else ~in_overdue)
    return customers.order_by("name", "id")


@dataclass(frozen=True)
class CustomerFigures:
    overdue_amount: Decimal = ZERO
    next_due_date: date | None = None
    oldest_overdue_date: date | None = None


def customer_figures(*, tenant, customer_ids: list[int], today: date) -> dict[int, CustomerFigures]:
    """For each customer of a page: the amount overdue, the next due date of what they owe,
    the oldest due date passed. One query for the whole page."""
    if not customer_ids:
        return {}
    positions, params = credit_positions_sql(tenant.pk, customer_ids)
    sql = f"""
        SELECT p.customer_id,
            SUM(CASE WHEN p.due_date < %s THEN p.remaining ELSE 0 END),
            MIN(CASE WHEN p.due_date >= %s THEN p.due_date END),
            MIN(CASE WHEN p.due_date < %s THEN p.due_date END)
        FROM ({positions}) p
        WHERE p.remaining > 0
        GROUP BY p.customer_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [today, today, today, *params])
        return {
            row[0]: CustomerFigures(
                overdue_amount=Decimal(row[1] or 0), next_due_date=row[2], oldest_overdue_date=row[3]
            )
            for row in cursor.fetchall()
        }


@dataclass(frozen=True)
class CreditPosition:
    entry: LedgerEntry
    remaining: Decimal
    status: str


def credit_status(*, amount: Decimal, remaining: Decimal, due_date: date | None, today: date) -> str:
    if remaining <= 0:
        return CreditStatus.PAID
    if due_date is not None and due_date < today:
        return CreditStatus.OVERDUE
    return CreditStatus.OPEN if remaining >= amount else CreditStatus.PARTLY_PAID


def credit_positions(*, customer: Customer, today: date) -> dict[int, tuple[Decimal, str]]:
    """{credit id: (remaining, status)} for the customer's live credits."""
    sql, params = credit_positions_sql(customer.tenant_id, [customer.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.id, p.amount, p.remaining, p.due_date FROM ({sql}) p", params)
        return {
            row[0]: (
                Decimal(row[2]),
                credit_status(amount=Decimal(row[1]), remaining=Decimal(row[2]), due_date=row[3], today=today),
            )
            for row in cursor.fetchall()
        }


def entry_list(*, tenant, kind: str | None = None, customer: Customer | None = None):
    entries = LedgerEntry.objects.filter(tenant=tenant).select_related("customer", "reverses", "reversed_by")
    if kind is not None:
        entries = entries.filter(kind=kind)
    if customer is not None:
        entries = entries.filter(customer=customer)
    return entries.order_by("-occurred_on", "-id")


def entry_statuses(*, tenant, entries: list[LedgerEntry], today: date) -> dict[int, tuple[Decimal | None, str]]:
    """(remaining, status) of each entry of a page: a credit's from the ledger (one query for
    the page), a reversed entry's `reversed`, any other entry's status is empty."""
    credit_customers = sorted({e.customer_id for e in entries if e.kind == EntryKind.CREDIT})
    positions: dict[int, tuple[Decimal, str]] = {}
    if credit_customers:
        sql, params = credit_positions_sql(tenant.pk, credit_customers)
        ids = [e.pk for e in entries if e.kind == EntryKind.CREDIT]
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, p.amount, p.remaining, p.due_date FROM ({sql}) p WHERE p.id IN ({marks})",
                [*params, *ids],
            )
            for pk, amount, remaining, due in cursor.fetchall():
                status = credit_status(amount=Decimal(amount), remaining=Decimal(remaining), due_date=due, today=today)
                positions[pk] = (Decimal(remaining), status)
    result = {}
    for entry in entries:
        if _is_reversed(entry):
            result[entry.pk] = (ZERO if entry.kind == EntryKind.CREDIT else None, CreditStatus.REVERSED)
        elif entry.pk in positions:
            result[entry.pk] = positions[entry.pk]
        else:
            result[entry.pk] = (None, "")
    return result


def _is_reversed(entry: LedgerEntry) -> bool:
    try:
        return entry.reversed_by is not None
    except LedgerEntry.reversed_by.RelatedObjectDoesNotExist:
        return False


# --- Statements


@dataclass(frozen=True)
class StatementLine:
    entry: LedgerEntry
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    customer: Customer
    start: date | None
    end: date
    opening_balance: Decimal
    lines: list[StatementLine]
    closing_balance: Decimal


def statement(*, customer: Customer, start: date | None, end: date) -> Statement:
    """The customer's entries from `start` to `end` (inclusive) with the running balance:
    the opening balance is the sum of every entry before `start`. Two queries."""
    entries = LedgerEntry.objects.filter(tenant_id=customer.tenant_id, customer=customer)
    opening = ZERO
    if start is not None:
        opening = entries.filter(occurred_on__lt=start).aggregate(total=Sum("signed_amount"))["total"] or ZERO
        entries = entries.filter(occurred_on__gte=start)
    running = opening
    lines = []
    shown = entries.filter(occurred_on__lte=end).order_by("occurred_on", "id")
    fields = ("id", "kind", "signed_amount", "amount", "occurred_on", "due_date", "description", "reference", "reason")
    for entry in shown.only(*fields):
        running += entry.signed_amount
        lines.append(StatementLine(entry=entry, balance=running))
    return Statement(
        customer=customer, start=start, end=end, opening_balance=opening, lines=lines, closing_balance=running
    )


# --- Dashboard


@dataclass(frozen=True)
class Debtor:
    id: int
    name: str
    balance: Decimal


@dataclass(frozen=True)
class Dashboard:
    outstanding: Decimal
    overdue: Decimal
    collected_this_month: Decimal
    customers_owing: int
    ageing: dict[str, Decimal]
    top_debtors: list[Debtor]


AGEING_BUCKETS = ("0_30", "31_60", "61_90", "90_plus")


def dashboard(*, tenant, today: date, top: int = 5) -> Dashboard:
    """The credit book's figures, in SQL: one query whatever the size of the book.

    Ageing sorts what is still owed by the age of its credit (days since the credit's date)."""
    ctes, params = positions_ctes(tenant.pk)
    month_start = today.replace(day=1)
    nulls = ", ".join(["CAST(NULL AS NUMERIC)"] * 6)
    # One statement: the summary row, then the top debtors' rows (kind "top": customer id,
    # balance, name).
    sql = f"""
        WITH {ctes}
        SELECT 'sum',
            COALESCE((SELECT SUM(b.balance) FROM b WHERE b.balance > 0), 0),
            (SELECT COUNT(*) FROM b WHERE b.balance > 0),
            COALESCE(SUM(CASE WHEN p.due_date < %s THEN p.remaining ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN p.occurred_on >= %s THEN p.remaining ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN p.occurred_on < %s AND p.occurred_on >= %s THEN p.remaining ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN p.occurred_on < %s AND p.occurred_on >= %s THEN p.remaining ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN p.occurred_on < %s THEN p.remaining ELSE 0 END), 0),
            COALESCE((SELECT SUM(e.amount) FROM credits_ledgerentry e
                WHERE e.tenant_id = %s AND e.kind = 'PAYMENT' AND e.occurred_on >= %s AND e.occurred_on <= %s
                AND NOT EXISTS (SELECT 1 FROM credits_ledgerentry r WHERE r.reverses_id = e.id)), 0),
            CAST(NULL AS TEXT)
        FROM p
        UNION ALL
        SELECT * FROM (
            SELECT 'top', b.customer_id, b.balance, {nulls}, c.name
            FROM b JOIN credits_customer c ON c.id = b.customer_id
            WHERE b.balance > 0 ORDER BY b.balance DESC, c.name, b.customer_id LIMIT %s
        ) t
    """
    days = _days_ago(today)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *params,
                today,
                days(30),
                days(30),
                days(60),
                days(60),
                days(90),
                days(90),
                tenant.pk,
                month_start,
                today,
                top,
            ],
        )
        rows = cursor.fetchall()
    row = next(r[1:] for r in rows if r[0] == "sum")
    currency = tenant.currency
    money = lambda value: quantize_money(Decimal(value or 0), currency)  # noqa: E731
    return Dashboard(
        outstanding=money(row[0]),
        customers_owing=int(row[1] or 0),
        overdue=money(row[2]),
        ageing=dict(zip(AGEING_BUCKETS, (money(value) for value in row[3:7]), strict=True)),
        collected_this_month=money(row[7]),
        top_debtors=[Debtor(id=int(r[1]), name=r[9], balance=money(r[2])) for r in rows if r[0] == "top"],
    )


def _days_ago(today: date):
    return lambda n: today - timedelta(days=n)


def reminder_due_credits(*, tenant, today: date, days_before: list[int], days_after: list[int]):
    """(credit id, customer id, remaining, due date, step) of every credit still owed whose
    due date is one of the schedule's steps away from today."""
    steps = {f"before:{n}": today.toordinal() + n for n in days_before}
    steps.update({f"after:{n}": today.toordinal() - n for n in days_after})
    if not steps:
        return []
    positions, params = credit_positions_sql(tenant.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, p.customer_id, p.remaining, p.due_date FROM ({positions}) p "
            "WHERE p.remaining > 0 AND p.due_date IS NOT NULL",
            params,
        )
        rows = cursor.fetchall()
    by_day = {}
    for step, ordinal in steps.items():
        by_day.setdefault(ordinal, []).append(step)
    return [
        (pk, customer_id, Decimal(remaining), due, step)
        for pk, customer_id, remaining, due in rows
        for step in by_day.get(due.toordinal(), [])
    ]
