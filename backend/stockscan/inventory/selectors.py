from django.db.models import Q

from stockscan.core.tenancy import visible_services
from stockscan.inventory.models import Category, Product


def catalog_product_count(tenant) -> int:
    """Products counted against `max_products`: the live catalog (archived ones free a seat)."""
    return Product.objects.filter(tenant=tenant, archived=False).count()


def category_list(*, tenant, membership, service=None):
    categories = Category.objects.filter(tenant=tenant, service__in=visible_services(membership))
    if service is not None:
        categories = categories.filter(service=service)
    return categories.order_by("name", "id")


def product_list(*, tenant, membership, service=None, include_archived=False, search: str = "", category=None):
    products = Product.objects.filter(tenant=tenant, service__in=visible_services(membership)).select_related(
        "category"
    )
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
        Product.objects.filter(tenant=tenant, barcode=barcode, service__in=visible_services(membership))
        .select_related("category", "service")
        .order_by("archived", "id")
    )
    if service is not None:
        products.sort(key=lambda product: product.service_id != service.pk)
    return products[0] if products else None
