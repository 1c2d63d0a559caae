from django.db.models import Q

from stockscan.core.months import next_month
from stockscan.entitlements.retention import visible_months
from stockscan.inventory.models import Area, Category, CountLine, Loss, Product, StockCount
from stockscan.inventory.selectors.quantities import EFFECTIVE_QUANTITY
from stockscan.inventory.selectors.valuation import LINE_UNIT_COST, LINE_UNIT_PRICE
from stockscan.orgs.tenancy.permissions import Perm, role_has
from stockscan.orgs.tenancy.resolution import restrict_to_member_services


def catalog_product_count(tenant) -> int:
    """Products counted against `max_products`: the live catalog (archived ones free a seat)."""
    return Product.objects.filter(tenant=tenant, archived=False).count()


def category_list(*, tenant, membership, service=None):
    categories = restrict_to_member_services(Category.objects.filter(tenant=tenant), membership)
    if service is not None:
        categories = categories.filter(service=service)
    return categories.order_by("name", "id")


def area_list(*, tenant, membership, service=None):
    areas = restrict_to_member_services(Area.objects.filter(tenant=tenant), membership)
    if service is not None:
        areas = areas.filter(service=service)
    return areas.order_by("service_id", "position", "id")


def product_list(*, tenant, membership, service=None, include_archived=False, search: str = "", category=None):
    products = restrict_to_member_services(Product.objects.filter(tenant=tenant), membership).select_related("category")
    if service is not None:
        products = products.filter(service=service)
    if not include_archived:
        products = products.filter(archived=False)
    if category is not None:
        products = products.filter(category=category)
    if search:
        products = products.filter(Q(name__icontains=search) | Q(barcode=search) | Q(sku__iexact=search))
    return products.order_by("name", "id")


def product_by_barcode(*, tenant, membership, barcode: str, service=None):
    """The product with this barcode, looked up in the requested service first, then in
    the other services the member can see."""
    products = list(
        restrict_to_member_services(Product.objects.filter(tenant=tenant, barcode=barcode), membership)
        .select_related("category", "service")
        .order_by("archived", "id")
    )
    if service is not None:
        products.sort(key=lambda product: product.service_id != service.pk)
    return products[0] if products else None


def count_list(*, tenant, membership, service=None, month=None):
    counts = restrict_to_member_services(StockCount.objects.filter(tenant=tenant), membership)
    if service is not None:
        counts = counts.filter(service=service)
    if month is not None:
        counts = counts.filter(month=month)
    return visible_months(counts, tenant=tenant).select_related("service").order_by("-month", "service_id")


def count_line_list(*, tenant, membership, count=None, service=None, month=None):
    lines = restrict_to_member_services(CountLine.objects.filter(tenant=tenant), membership, "count__service")
    if count is not None:
        lines = lines.filter(count=count)
    if service is not None:
        lines = lines.filter(count__service=service)
    if month is not None:
        lines = lines.filter(count__month=month)
    return (
        visible_months(lines, tenant=tenant, month_field="count__month")
        .select_related("count", "product", "product__category", "area")
        # The costs a line is valued at: the product's while the month is open, the frozen
        # ones once closed (selectors.valuation).
        .annotate(effective_quantity=EFFECTIVE_QUANTITY, line_unit_cost=LINE_UNIT_COST, line_unit_price=LINE_UNIT_PRICE)
        # In counting order: an index walk that stops at the page, where sorting by product
        # name would sort the whole month on every page (the SPA loads all pages and sorts).
        .order_by("count_id", "id")
    )


def loss_list(*, tenant, membership, service=None, month=None, editable_by=None):
    """`editable_by`: a user, to list only the losses they may change or delete: owners and
    managers any loss, an operator the ones they recorded."""
    losses = restrict_to_member_services(Loss.objects.filter(tenant=tenant), membership)
    if editable_by is not None and not role_has(membership.role, Perm.MANAGE_COUNTS):
        losses = losses.filter(author=editable_by)
    if service is not None:
        losses = losses.filter(service=service)
    if month is not None:
        losses = losses.filter(occurred_on__gte=month, occurred_on__lt=next_month(month))
    return (
        visible_months(losses, tenant=tenant, month_field="occurred_on")
        .select_related("product")
        .order_by("-occurred_on", "-id")
    )
