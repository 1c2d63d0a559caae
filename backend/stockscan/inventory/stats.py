"""Stock value and losses of a month, computed by aggregation in the database: three
queries whatever the number of lines (totals with the previous month, by category, losses
by reason with the previous month)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum

from stockscan.core.decimals import money, quantity
from stockscan.core.months import format_month, next_month, previous_month
from stockscan.entitlements.retention import is_month_visible, visible_months
from stockscan.inventory.models import CountLine, Loss
from stockscan.inventory.selectors import EFFECTIVE_QUANTITY

_AMOUNT = DecimalField(max_digits=24, decimal_places=6)

STOCK_VALUE = ExpressionWrapper(EFFECTIVE_QUANTITY * F("unit_cost"), output_field=_AMOUNT)
SALES_VALUE = ExpressionWrapper(EFFECTIVE_QUANTITY * F("unit_price"), output_field=_AMOUNT)
LOSS_VALUE = ExpressionWrapper(F("product_quantity") * F("unit_cost"), output_field=_AMOUNT)


def _line_sums(prefix: str, month_filter: Q) -> dict:
    return {
        f"{prefix}lines": Count("id", filter=month_filter),
        f"{prefix}products": Count("product", distinct=True, filter=month_filter),
        f"{prefix}quantity": Sum(EFFECTIVE_QUANTITY, filter=month_filter),
        f"{prefix}stock_value": Sum(STOCK_VALUE, filter=month_filter),
        f"{prefix}sales_value": Sum(SALES_VALUE, filter=month_filter),
    }


def inventory_stats(*, tenant, service_ids: list[int], month: date) -> dict:
    """`service_ids`: the services to include (one, or all the member sees)."""
    previous = previous_month(month)
    show_previous = is_month_visible(tenant, previous)
    lines = CountLine.objects.filter(tenant=tenant, count__service__in=service_ids)
    current_line = Q(count__month=month)
    previous_line = Q(count__month=previous)

    totals = lines.filter(count__month__in=[month, previous]).aggregate(
        **_line_sums("current_", current_line), **_line_sums("previous_", previous_line)
    )
    by_category = (
        lines.filter(current_line)
        .values("product__category_id", "product__category__name")
        .annotate(
            line_count=Count("id"),
            total_quantity=Sum(EFFECTIVE_QUANTITY),
            stock_value=Sum(STOCK_VALUE),
            sales_value=Sum(SALES_VALUE),
        )
        .order_by(F("product__category__name").asc(nulls_last=True), "product__category_id")
    )
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
    losses_value = sum((row["current_value"] or Decimal(0) for row in by_reason), Decimal(0))
    previous_losses_value = sum((row["previous_value"] or Decimal(0) for row in by_reason), Decimal(0))

    stock_value = Decimal(totals["current_stock_value"] or 0)
    sales_value = Decimal(totals["current_sales_value"] or 0)
    body = {
        "month": format_month(month),
        "previous_month": format_month(previous),
        "totals": {
            "lines": totals["current_lines"],
            "products": totals["current_products"],
            "quantity": quantity(totals["current_quantity"]),
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
            "quantity": quantity(sum((row["total_quantity"] or Decimal(0) for row in by_reason), Decimal(0))),
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
        previous_stock_value = Decimal(totals["previous_stock_value"] or 0)
        body["previous"] = {
            "lines": totals["previous_lines"],
            "quantity": quantity(totals["previous_quantity"]),
            "stock_value": money(previous_stock_value),
            "losses_value": money(previous_losses_value),
        }
        body["change"] = {
            "quantity": quantity(Decimal(totals["current_quantity"] or 0) - Decimal(totals["previous_quantity"] or 0)),
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
