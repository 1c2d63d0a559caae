# ruff: noqa: S608 -- the SQL put together here joins the ORM's compiled query and this module's
# constant text; every value travels as a query parameter.
"""Everything the facts need from a month's count lines, in one pass over them.

The stock value and its change, the value by category, the low-stock products, the expiring
lines and the dead stock used to be four queries (the inventory's stats, its two kinds of
alert, the dead stock), each grouping the month's lines again — 0.7 to 0.9 s at 50,000
products (scripts/bench/assistant.py). Here the lines of the month and of the two before it
are read once, grouped by product (the quantities and values of each month side by side);
that product table is added up by category (the totals are the categories' sums), and its
first low-stock products by name come with it: one query, about half the time.

The figures follow the inventory's own rules through its own expressions: a line holds
`EFFECTIVE_QUANTITY`, is worth `line_value` (rounded to the currency at the line), a product
is low when its month's quantity is below its minimum (an archived one is not news:
`alerts._low_stock`), a line is near its date within `alerts.EXPIRY_WINDOWS`. A test holds
the result equal to the stats and alerts selectors' (tests/backend/assistant/test_facts.py).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Min, Q, Sum

from stockscan.inventory.models import Category, CountLine, Product
from stockscan.inventory.selectors.alerts import EXPIRY_WINDOWS
from stockscan.inventory.selectors.quantities import EFFECTIVE_QUANTITY
from stockscan.inventory.selectors.valuation import line_value

ZERO = Decimal(0)
# Named low-stock products (the first by name, as the alerts list them).
NAMED = 3


@dataclass(frozen=True)
class CategoryValue:
    category_id: int | None
    name: str | None
    stock_value: Decimal


@dataclass
class MonthSummary:
    lines: int = 0
    products: int = 0
    stock_value: Decimal = ZERO
    previous_stock_value: Decimal = ZERO
    categories: list[CategoryValue] = field(default_factory=list)  # by value, highest first
    low_stock: int = 0
    low_stock_named: list[tuple[str, Decimal]] = field(default_factory=list)
    expiring: int = 0
    soonest_expiry: date | None = None
    dead_stock: int = 0
    dead_stock_value: Decimal = ZERO


def _per_product(*, tenant, service_ids: list[int], months: list[date], today: date):
    """The lines of `months` (this month first) grouped by product alone (its name, minimum
    and category are joined to the grouped rows, not grouped on): each month's quantity (q0,
    q1, q2), this month's and last month's value (v0, v1), this month's line count and its
    lines near their date."""
    this_month = Q(count__month=months[0])
    near = Q()
    for kind, window in EXPIRY_WINDOWS.items():
        near |= Q(expiry_kind=kind, expiry_date__lte=today + window)
    near &= Q(expiry_date__isnull=False) & this_month
    value = line_value(tenant.currency)
    quantities = {
        f"q{index}": Sum(EFFECTIVE_QUANTITY, filter=Q(count__month=month)) for index, month in enumerate(months)
    }
    values = {f"v{index}": Sum(value, filter=Q(count__month=month)) for index, month in enumerate(months[:2])}
    return (
        CountLine.objects.filter(tenant=tenant, count__service__in=service_ids, count__month__in=months)
        .values(pid=F("product_id"))
        .annotate(
            lines0=Count("id", filter=this_month),
            expiring=Count("id", filter=near),
            soonest=Min("expiry_date", filter=near),
            **quantities,
            **values,
        )
        .order_by()
    )


def month_summary(
    *, tenant, service_ids: list[int], months: list[date], today: date, low_stock: bool, dead_stock: bool
) -> MonthSummary:
    """`months`: this month, then the previous ones the facts compare with (up to two).
    `low_stock`, `dead_stock`: whether to look for them (the plan's alerts, its history)."""
    inner, params = _per_product(
        tenant=tenant, service_ids=service_ids, months=months, today=today
    ).query.sql_with_params()
    low = "pp.lines0 > 0 AND pp.pmin IS NOT NULL AND NOT pp.parchived AND pp.q0 < pp.pmin" if low_stock else "1 = 0"
    dead = "pp.q0 > 0 AND pp.q1 = pp.q0 AND pp.q2 = pp.q0" if dead_stock and len(months) == 3 else "1 = 0"
    previous_value = "SUM(pp.v1)" if len(months) > 1 else "CAST(NULL AS NUMERIC)"
    # One row per category (the totals are their sums), then the first low-stock products by
    # name. (Portable SQL: SQLite runs it too.)
    sql = f"""
        WITH pp AS (
            SELECT lines.*, p.name AS pname, p.min_quantity AS pmin, p.archived AS parchived,
                p.category_id AS cid, c.name AS cname
            FROM ({inner}) lines
            JOIN {Product._meta.db_table} p ON p.id = lines.pid
            LEFT JOIN {Category._meta.db_table} c ON c.id = p.category_id
        )
        SELECT 'category', pp.cid, pp.cname, SUM(pp.v0), {previous_value},
            CAST(SUM(pp.lines0) AS BIGINT), CAST(SUM(CASE WHEN pp.lines0 > 0 THEN 1 ELSE 0 END) AS BIGINT),
            CAST(SUM(CASE WHEN {low} THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(pp.expiring) AS BIGINT),
            MIN(pp.soonest), CAST(SUM(CASE WHEN {dead} THEN 1 ELSE 0 END) AS BIGINT),
            SUM(CASE WHEN {dead} THEN pp.v0 END), CAST(NULL AS NUMERIC)
        FROM pp
        GROUP BY pp.cid, pp.cname
        UNION ALL
        SELECT * FROM (
            SELECT 'low', pp.pid, pp.pname, CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), CAST(NULL AS BIGINT),
                CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS DATE),
                CAST(NULL AS BIGINT), CAST(NULL AS NUMERIC), pp.q0
            FROM pp WHERE {low} ORDER BY pp.pname, pp.pid LIMIT {NAMED}
        ) named
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    categories = [row for row in rows if row[0] == "category"]
    summary = MonthSummary(
        lines=sum(int(row[5] or 0) for row in categories),
        products=sum(int(row[6] or 0) for row in categories),
        stock_value=sum((_decimal(row[3]) for row in categories), ZERO),
        previous_stock_value=sum((_decimal(row[4]) for row in categories), ZERO),
        low_stock=sum(int(row[7] or 0) for row in categories),
        low_stock_named=[(row[2], _decimal(row[12])) for row in rows if row[0] == "low"],
        expiring=sum(int(row[8] or 0) for row in categories),
        soonest_expiry=min((_as_date(row[9]) for row in categories if row[9] is not None), default=None),
        dead_stock=sum(int(row[10] or 0) for row in categories),
        dead_stock_value=sum((_decimal(row[11]) for row in categories), ZERO),
    )
    # By value, highest first; ties as the stats list categories (by name, unnamed last).
    ordered = sorted(categories, key=lambda row: (row[2] is None, row[2] or "", row[1] or 0))
    summary.categories = sorted(
        (CategoryValue(row[1], row[2], _decimal(row[3])) for row in ordered),
        key=lambda category: -category.stock_value,
    )
    return summary


def _decimal(value) -> Decimal:
    """A number of the database (SQLite hands sums back as floats)."""
    return ZERO if value is None else value if isinstance(value, Decimal) else Decimal(str(value))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
