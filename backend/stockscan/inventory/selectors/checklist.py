"""A month's checklist: what to count, read from the catalogue and last month's lines when
asked (nothing is copied when a month starts, so starting one costs the same whatever last
month's size).

Its products are the service's catalogue (and an archived product already counted this
month), in shelf order: their default area's position, then their position, then the order
they were counted in last month, then their name. Each says last month's quantity
(`expected`, the sum of its lines' effective quantities: one product, one unit; null when it
was not counted then) and what is counted of it this month. A product added since last month
is on it too, and a business's first month is its whole catalogue. "Last month" is the
service's latest month before this one with something counted, so a month skipped (or
started and left empty) does not lose the references.
"""

from django.db.models import Count, F, FilteredRelation, Min, Q, Sum

from stockscan.inventory.models import Product, StockCount
from stockscan.inventory.selectors.quantities import effective_quantity


def previous_count(count: StockCount) -> StockCount | None:
    return (
        StockCount.objects.filter(
            tenant_id=count.tenant_id, service_id=count.service_id, month__lt=count.month, line_count__gt=0
        )
        .order_by("-month")
        .first()
    )


CHECKLIST_COLUMNS = ("id", "name", "unit", "barcode", "position", "default_area", "default_area__name")


def checklist(*, count: StockCount, area=None):
    """The checklist's rows (dicts), one per product, in shelf order; `area`: only the
    products kept there (their default area)."""
    previous = previous_count(count)
    month_ids = [count.pk] if previous is None else [count.pk, previous.pk]
    # One join to the lines of the two months; each aggregate reads its month's rows.
    this_month = Q(month_lines__count_id=count.pk)
    last_month = Q(month_lines__count_id=previous.pk if previous else None)
    products = (
        Product.objects.filter(tenant_id=count.tenant_id, service_id=count.service_id)
        .annotate(month_lines=FilteredRelation("count_lines", condition=Q(count_lines__count_id__in=month_ids)))
        .filter(Q(archived=False) | this_month)
    )
    if area is not None:
        products = products.filter(default_area=area)
    return (
        products.values(*CHECKLIST_COLUMNS)
        .annotate(
            expected=Sum(effective_quantity("month_lines__"), filter=last_month),
            counted_quantity=Sum(effective_quantity("month_lines__"), filter=this_month),
            counted_lines=Count("month_lines", filter=this_month),
            last_month_order=Min("month_lines__id", filter=last_month),
            area_position=F("default_area__position"),
        )
        .order_by(
            F("area_position").asc(nulls_last=True),
            "default_area",
            "position",
            F("last_month_order").asc(nulls_last=True),
            "name",
            "id",
        )
    )


def uncounted_products(count: StockCount):
    """The checklist's products not counted this month, with last month's quantity
    (`expected`, null when not counted then either) and their default area: what closing
    asks about."""
    return checklist(count=count).filter(counted_lines=0).order_by("id")


def checklist_totals(count: StockCount) -> dict:
    """How many of the checklist's products are counted this month, and how many are not yet."""
    totals = (
        checklist(count=count)
        .order_by()
        .aggregate(
            products_counted=Count("id", filter=Q(counted_lines__gt=0)),
            products_to_count=Count("id", filter=Q(counted_lines=0)),
        )
    )
    return totals
