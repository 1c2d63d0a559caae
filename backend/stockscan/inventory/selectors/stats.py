"""Stock value and losses of a month, computed by aggregation in the database: two queries
whatever the number of lines (the lines of both months by month, category and unit; the
losses by reason and unit, with the previous month).

The rules every figure follows:
- every amount is rounded half up to the tenant's currency once, at the line (in SQL:
  ROUND per line, then SUM), so a total is the sum of the rounded lines an export shows;
- quantities are never added across units: they come as a list, one entry per unit;
- potential sales and margin cover priced lines only; the unpriced ones are counted beside
  them (products, lines, stock value), so a kitchen without selling prices shows no
  negative margin;
- sales values come excluding VAT (HT), VAT and including VAT (TTC), whichever way the
  tenant enters its selling prices (`prices_include_vat`); purchase values are HT.
"""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum

from stockscan.core.decimals import quantity
from stockscan.core.money import quantize_money
from stockscan.core.months import format_month, next_month, previous_month
from stockscan.entitlements.enforcement import require_feature
from stockscan.entitlements.plans import Feature
from stockscan.entitlements.retention import is_month_visible, require_month_visible, visible_months
from stockscan.inventory.models import CountLine, Loss, Unit
from stockscan.inventory.selectors.quantities import EFFECTIVE_QUANTITY
from stockscan.inventory.selectors.valuation import LINE_UNIT_PRICE, line_sales, line_value, loss_value, sales_split
from stockscan.orgs.tenancy.resolution import visible_service_ids

ZERO = Decimal(0)
UNIT_ORDER = {unit: index for index, unit in enumerate(Unit.values)}
# The money sums of a group of lines, added up into categories and months.
LINE_AMOUNTS = (
    "stock_value",
    "priced_stock_value",
    "sales_excl_vat",
    "sales_vat",
    "sales_incl_vat",
    "unpriced_stock_value",
)


def _quantities(by_unit: dict[str, Decimal]) -> list[dict]:
    """Quantities per unit, in the units' order: never one figure for pieces, kg and litres."""
    return [
        {"unit": unit, "quantity": quantity(by_unit[unit])}
        for unit in sorted(by_unit, key=lambda unit: UNIT_ORDER.get(unit, len(UNIT_ORDER)))
    ]


class _Group:
    """Lines added up: counts, money (already rounded per line) and quantities per unit."""

    def __init__(self):
        self.lines = self.products = self.unpriced_lines = self.unpriced_products = 0
        self.amounts = dict.fromkeys(LINE_AMOUNTS, ZERO)
        self.by_unit: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, row: dict) -> None:
        self.lines += row["line_count"]
        self.products += row["product_count"]
        self.unpriced_lines += row["unpriced_lines"]
        self.unpriced_products += row["unpriced_products"]
        for key in LINE_AMOUNTS:
            self.amounts[key] += row[key] or ZERO
        self.by_unit[row["product__unit"]] += row["total_quantity"] or ZERO

    def values(self, currency: str) -> dict:
        amounts = {key: quantize_money(value, currency) for key, value in self.amounts.items()}
        return {
            "lines": self.lines,
            "products": self.products,
            "quantities": _quantities(self.by_unit),
            "stock_value": str(amounts["stock_value"]),
            "potential_sales_value": str(amounts["sales_excl_vat"]),
            "potential_sales_vat": str(amounts["sales_vat"]),
            "potential_sales_value_incl_vat": str(amounts["sales_incl_vat"]),
            "priced_stock_value": str(amounts["priced_stock_value"]),
            "potential_margin": str(amounts["sales_excl_vat"] - amounts["priced_stock_value"]),
            "unpriced": {
                "products": self.unpriced_products,
                "lines": self.unpriced_lines,
                "stock_value": str(amounts["unpriced_stock_value"]),
            },
        }


def _line_groups(lines, *, tenant, months: list[date]) -> list[dict]:
    """The lines of `months` by month, category and unit, every amount summed from lines
    rounded to the currency (one query)."""
    currency = tenant.currency
    value, sales = line_value(currency), line_sales(currency)
    excl, vat, incl = sales_split(
        sales, vat_rate=F("product__vat_rate"), currency=currency, prices_include_vat=tenant.prices_include_vat
    )
    unpriced = Q(line_unit_price__isnull=True)
    return list(
        lines.filter(count__month__in=months)
        .annotate(line_unit_price=LINE_UNIT_PRICE)
        .values("count__month", "product__category_id", "product__category__name", "product__unit")
        .annotate(
            line_count=Count("id"),
            # A product has one category and one unit: its distinct count per group adds up.
            product_count=Count("product", distinct=True),
            unpriced_lines=Count("id", filter=unpriced),
            unpriced_products=Count("product", distinct=True, filter=unpriced),
            total_quantity=Sum(EFFECTIVE_QUANTITY),
            stock_value=Sum(value),
            priced_stock_value=Sum(value, filter=~unpriced),
            unpriced_stock_value=Sum(value, filter=unpriced),
            sales_excl_vat=Sum(excl),
            sales_vat=Sum(vat),
            sales_incl_vat=Sum(incl),
        )
        .order_by(F("product__category__name").asc(nulls_last=True), "product__category_id", "product__unit")
    )


def _loss_groups(*, tenant, service_ids, month: date, previous: date) -> list[dict]:
    """Losses of the month (and the value of the previous month's) by reason and unit (one
    query). A loss's quantity is in its product's unit (500 ml of a product kept in litres
    counts 0.5 l)."""
    current = Q(occurred_on__gte=month, occurred_on__lt=next_month(month))
    value = loss_value(tenant.currency)
    return list(
        Loss.objects.filter(
            tenant=tenant, service__in=service_ids, occurred_on__gte=previous, occurred_on__lt=next_month(month)
        )
        .values("reason", "product__unit")
        .annotate(
            loss_count=Count("id", filter=current),
            total_quantity=Sum("product_quantity", filter=current),
            current_value=Sum(value, filter=current),
            previous_value=Sum(value, filter=~current),
        )
        .order_by("reason", "product__unit")
    )


def _losses(rows: list[dict], currency: str) -> tuple[dict, Decimal, Decimal]:
    reasons: dict[str, dict] = {}
    current_value = previous_value = ZERO
    by_unit: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        current_value += row["current_value"] or ZERO
        previous_value += row["previous_value"] or ZERO
        if not row["loss_count"]:
            continue
        reason = reasons.setdefault(row["reason"], {"count": 0, "by_unit": defaultdict(Decimal), "value": ZERO})
        reason["count"] += row["loss_count"]
        reason["by_unit"][row["product__unit"]] += row["total_quantity"] or ZERO
        reason["value"] += row["current_value"] or ZERO
        by_unit[row["product__unit"]] += row["total_quantity"] or ZERO
    body = {
        "count": sum(reason["count"] for reason in reasons.values()),
        "quantities": _quantities(by_unit),
        "value": str(quantize_money(current_value, currency)),
        "by_reason": [
            {
                "reason": name,
                "count": reason["count"],
                "quantities": _quantities(reason["by_unit"]),
                "value": str(quantize_money(reason["value"], currency)),
            }
            for name, reason in reasons.items()
        ],
    }
    return body, current_value, previous_value


def _quantity_change(current: dict[str, Decimal], previous: dict[str, Decimal]) -> list[dict]:
    units = set(current) | set(previous)
    return _quantities({unit: current.get(unit, ZERO) - previous.get(unit, ZERO) for unit in units})


def inventory_stats(*, tenant, membership, month: date, service=None) -> dict:
    """One service's month, or (`service=None`) the month of every service the member sees,
    which needs `multi_service_analytics`. The month must be within the plan's history."""
    require_month_visible(tenant, month)
    if service is None:
        require_feature(tenant, Feature.MULTI_SERVICE_ANALYTICS)
        service_ids = visible_service_ids(membership)
    else:
        service_ids = [service.pk]
    currency = tenant.currency
    previous = previous_month(month)
    show_previous = is_month_visible(tenant, previous)
    lines = CountLine.objects.filter(tenant=tenant, count__service__in=service_ids)
    # One pass over the lines of both months: a month's totals are the sums of its groups'
    # rows (a handful), not a second pass over tens of thousands of lines.
    groups = _line_groups(lines, tenant=tenant, months=[month, previous] if show_previous else [month])
    totals, previous_totals = _Group(), _Group()
    categories: dict[int | None, tuple[str | None, _Group]] = {}
    for row in groups:
        if row["count__month"] == month:
            totals.add(row)
            category = row["product__category_id"]
            categories.setdefault(category, (row["product__category__name"], _Group()))[1].add(row)
        else:
            previous_totals.add(row)
    losses, losses_value, previous_losses_value = _losses(
        _loss_groups(tenant=tenant, service_ids=service_ids, month=month, previous=previous), currency
    )
    body = {
        "month": format_month(month),
        "previous_month": format_month(previous),
        "currency": currency,
        "prices_include_vat": tenant.prices_include_vat,
        "totals": totals.values(currency),
        "by_category": [
            {"category": category, "category_name": name, **group.values(currency)}
            for category, (name, group) in categories.items()
        ],
        "losses": losses,
        "previous": None,
        "change": None,
    }
    if show_previous:
        stock_value, previous_stock_value = totals.amounts["stock_value"], previous_totals.amounts["stock_value"]
        body["previous"] = {
            "lines": previous_totals.lines,
            "quantities": _quantities(previous_totals.by_unit),
            "stock_value": str(quantize_money(previous_stock_value, currency)),
            "losses_value": str(quantize_money(previous_losses_value, currency)),
        }
        body["change"] = {
            "quantities": _quantity_change(totals.by_unit, previous_totals.by_unit),
            "stock_value": str(quantize_money(stock_value - previous_stock_value, currency)),
            "stock_value_percent": (
                str(
                    ((stock_value - previous_stock_value) * 100 / previous_stock_value).quantize(
                        Decimal("0.1"), rounding=ROUND_HALF_UP
                    )
                )
                if previous_stock_value
                else None
            ),
            "losses_value": str(quantize_money(losses_value - previous_losses_value, currency)),
        }
    return body


def product_history(*, tenant, product, months: int = 6) -> list[dict]:
    """The product's last counted months (within the plan's history): quantity (in its unit)
    and value (the sum of its lines, each rounded to the currency)."""
    rows = (
        visible_months(
            CountLine.objects.filter(tenant=tenant, product=product), tenant=tenant, month_field="count__month"
        )
        .values("count__month")
        .annotate(total_quantity=Sum(EFFECTIVE_QUANTITY), stock_value=Sum(line_value(tenant.currency)))
        .order_by("-count__month")[:months]
    )
    return [
        {
            "month": format_month(row["count__month"]),
            "quantity": quantity(row["total_quantity"]),
            "stock_value": str(quantize_money(row["stock_value"] or ZERO, tenant.currency)),
        }
        for row in rows
    ]
