"""A month's checklist: what to count, read from last month's lines when asked (nothing is
copied when a month starts, so starting one costs the same whatever last month's size).

Its products are the ones counted last month (still in the catalog) and the ones already
counted this month, in shelf order: their default area's position, then their position,
then the order they were counted in last month. Each says last month's quantity (`expected`,
the sum of its lines' effective quantities: one product, one unit) and what is counted of it
this month. "Last month" is the service's latest month before this one with something
counted, so a month skipped (or started and left empty) does not empty the checklist.
"""

from django.db.models import Count, F, Min, Q, Sum

from stockscan.inventory.models import CountLine, StockCount
from stockscan.inventory.selectors.listing import EFFECTIVE_QUANTITY


def previous_count(count: StockCount) -> StockCount | None:
    return (
        StockCount.objects.filter(
            tenant_id=count.tenant_id, service_id=count.service_id, month__lt=count.month, line_count__gt=0
        )
        .order_by("-month")
        .first()
    )


CHECKLIST_COLUMNS = (
    "product",
    "product__name",
    "product__unit",
    "product__barcode",
    "product__position",
    "product__default_area",
    "product__default_area__name",
)


def checklist(*, count: StockCount, area=None):
    """The checklist's rows (dicts), one per product, in shelf order; `area`: only the
    products kept there (their default area)."""
    previous = previous_count(count)
    month_ids = [count.pk] if previous is None else [count.pk, previous.pk]
    this_month, last_month = Q(count_id=count.pk), Q(count_id=previous.pk if previous else None)
    lines = CountLine.objects.filter(tenant_id=count.tenant_id, count_id__in=month_ids).filter(
        this_month | Q(product__archived=False)
    )
    if area is not None:
        lines = lines.filter(product__default_area=area)
    return (
        lines.values(*CHECKLIST_COLUMNS)
        .annotate(
            expected=Sum(EFFECTIVE_QUANTITY, filter=last_month),
            counted_quantity=Sum(EFFECTIVE_QUANTITY, filter=this_month),
            counted_lines=Count("id", filter=this_month),
            last_month_order=Min("id", filter=last_month),
            area_position=F("product__default_area__position"),
        )
        .order_by(
            F("area_position").asc(nulls_last=True),
            "product__default_area",
            "product__position",
            F("last_month_order").asc(nulls_last=True),
            "product__name",
            "product",
        )
    )


def uncounted_products(count: StockCount):
    """Last month's products (still in the catalog) not counted this month, with last month's
    quantity (`expected`) and their default area: what closing asks about."""
    previous = previous_count(count)
    if previous is None:
        return CountLine.objects.none().values("product")
    counted = CountLine.objects.filter(tenant_id=count.tenant_id, count_id=count.pk).values("product")
    return (
        CountLine.objects.filter(tenant_id=count.tenant_id, count_id=previous.pk, product__archived=False)
        .exclude(product__in=counted)
        .values("product", "product__default_area")
        .annotate(expected=Sum(EFFECTIVE_QUANTITY))
        .order_by("product")
    )


def checklist_totals(count: StockCount) -> dict:
    """How many products are counted this month, and how many of last month's are not yet."""
    counted = (
        CountLine.objects.filter(tenant_id=count.tenant_id, count_id=count.pk)
        .values("product")
        .distinct()
        .order_by()
        .count()
    )
    return {"products_counted": counted, "products_to_count": uncounted_products(count).count()}
