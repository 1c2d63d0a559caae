"""Stock value and losses of a month, computed by aggregation in the database: three
queries whatever the number of lines (lines by month and category, for both months; the
month's distinct products; losses by reason with the previous month)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum

from stockscan.core.decimals import money, quantity
from stockscan.core.months import format_month, next_month, previous_month
from stockscan.entitlements.enforcement import require_feature
from stockscan.entitlements.plans import Feature
from stockscan.entitlements.retention import is_month_visible, require_month_visible, visible_months
from stockscan.inventory.models import CountLine, Loss
from stockscan.inventory.selectors.listing import EFFECTIVE_QUANTITY
from stockscan.orgs.tenancy.resolution import visible_service_ids

_AMOUNT = DecimalField(max_digits=24, decimal_places=6)

STOCK_VALUE = ExpressionWrapper(EFFECTIVE_QUANTITY * F("unit_cost"), output_field=_AMOUNT)
SALES_VALUE = ExpressionWrapper(EFFECTIVE_QUANTITY * F("unit_price"), output_field=_AMOUNT)
LOSS_VALUE = ExpressionWrapper(F("product_quantity") * F("unit_cost"), output_field=_AMOUNT)


def _total(rows: list[dict], key: str) -> Decimal:
    return sum((row[key] or Decimal(0) for row in rows), Decimal(0))


def inventory_stats(*, tenant, membership, month: date, service=None) -> dict:
    """One service's month, or (`service=None`) the month of every service the member sees,
    which needs `multi_service_analytics`. The month must be within the plan's history."""
    require_month_visible(tenant, month)
    if service is None:
        require_feature(tenant, Feature.MULTI_SERVICE_ANALYTICS)
        service_ids = visible_service_ids(membership)
    else:
        service_ids = [service.pk]
    previous = previous_month(month)
    show_previous = is_month_visible(tenant, previous)
    lines = CountLine.objects.filter(tenant=tenant, count__service__in=service_ids)
    # One pass over the lines of both months, by month and category: a month's totals are the
    # sums of its categories' rows (a handful), not a second pass over tens of thousands of lines.
    category_rows = list(
        lines.filter(count__month__in=[month, previous] if show_previous else [month])
        .values("count__month", "product__category_id", "product__category__name")
        .annotate(
            line_count=Count("id"),
            total_quantity=Sum(EFFECTIVE_QUANTITY),
            stock_value=Sum(STOCK_VALUE),
            sales_value=Sum(SALES_VALUE),
        )
        .order_by(F("product__category__name").asc(nulls_last=True), "product__category_id")
    )
    by_category = [row for row in category_rows if row["count__month"] == month]
    previous_rows = [row for row in category_rows if row["count__month"] == previous]
    # A product can have several lines in a month (lots, open containers): distinct products
    # cannot be summed from the lines' groups.
    products = lines.filter(count__month=month).aggregate(products=Count("product", distinct=True))["products"]
    current_loss = Q(occurred_on__gte=month, occurred_on__lt=next_month(month))
    by_reason = list(
        Loss.objects.filter(
            tenant=tenant, service__in=service_ids, occurred_on__gte=previous, occurred_on__lt=next_month(month)
        )
        .values("reason")
        .annotate(
            loss_count=Count("id", filter=current_loss),
            total_quantity=Sum("product_quantity", filter=current_loss),
            current_value=Sum(LOSS_VALUE, filter=current_loss),
            previous_value=Sum(LOSS_VALUE, filter=~current_loss),
        )
        .order_by("reason")
    )
    losses_value = _total(by_reason, "current_value")
    previous_losses_value = _total(by_reason, "previous_value")

    stock_value = _total(by_category, "stock_value")
    sales_value = _total(by_category, "sales_value")
    total_quantity = _total(by_category, "total_quantity")
    body = {
        "month": format_month(month),
        "previous_month": format_month(previous),
        "totals": {
            "lines": sum(row["line_count"] for row in by_category),
            "products": products,
            "quantity": quantity(total_quantity),
            "stock_value": money(stock_value),
            "potential_sales_value": money(sales_value),
            "potential_margin": money(sales_value - stock_value),
        },
        "by_category": [
            {
                "category": row["product__category_id"],
                "category_name": row["product__category__name"],
                "lines": row["line_count"],
                "quantity": quantity(row["total_quantity"]),
                "stock_value": money(row["stock_value"]),
                "potential_sales_value": money(row["sales_value"]),
            }
            for row in by_category
        ],
        "losses": {
            "count": sum(row["loss_count"] for row in by_reason),
            "quantity": quantity(_total(by_reason, "total_quantity")),
            "value": money(losses_value),
            "by_reason": [
                {
                    "reason": row["reason"],
                    "count": row["loss_count"],
                    "quantity": quantity(row["total_quantity"]),
                    "value": money(row["current_value"]),
                }
                for row in by_reason
                if row["loss_count"]
            ],
        },
        "previous": None,
        "change": None,
    }
    if show_previous:
        previous_stock_value = _total(previous_rows, "stock_value")
        previous_quantity = _total(previous_rows, "total_quantity")
        body["previous"] = {
            "lines": sum(row["line_count"] for row in previous_rows),
            "quantity": quantity(previous_quantity),
            "stock_value": money(previous_stock_value),
            "losses_value": money(previous_losses_value),
        }
        body["change"] = {
            "quantity": quantity(total_quantity - previous_quantity),
            "stock_value": money(stock_value - previous_stock_value),
            "stock_value_percent": (
                str(
                    ((stock_value - previous_stock_value) * 100 / previous_stock_value).quantize(
                        Decimal("0.1"), rounding=ROUND_HALF_UP
                    )
                )
                if previous_stock_value
                else None
            ),
            "losses_value": money(losses_value - previous_losses_value),
        }
    return body


def product_history(*, tenant, product, months: int = 6) -> list[dict]:
    """The product's last counted months (within the plan's history): quantity and value."""
    rows = (
        visible_months(
            CountLine.objects.filter(tenant=tenant, product=product), tenant=tenant, month_field="count__month"
        )
        .values("count__month")
        .annotate(total_quantity=Sum(EFFECTIVE_QUANTITY), stock_value=Sum(STOCK_VALUE))
        .order_by("-count__month")[:months]
    )
    return [
        {
            "month": format_month(row["count__month"]),
            "quantity": quantity(row["total_quantity"]),
            "stock_value": money(row["stock_value"]),
        }
        for row in rows
    ]
