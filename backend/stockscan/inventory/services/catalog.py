from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from stockscan.core.audit import audit_record
from stockscan.entitlements.enforcement import check_count_limit
from stockscan.entitlements.plans import Limit
from stockscan.inventory.errors import BarcodeTaken, CategoryNameTaken, SkuTaken
from stockscan.inventory.models import UNITS_BY_COUNTING_MODE, Category, Product, SkuSequence
from stockscan.orgs.models import Service


def _check_unit(unit: str, service: Service) -> None:
    if unit not in UNITS_BY_COUNTING_MODE[service.counting_mode]:
        raise ValidationError(
            {"unit": [_("This service counts by %(mode)s: this unit does not fit.") % {"mode": service.counting_mode}]}
        )


def _check_category(category: Category | None, service: Service) -> None:
    if category is not None and category.service_id != service.pk:
        raise ValidationError({"category": [_("This category belongs to another service.")]})


def _check_default_area(product: Product, service: Service) -> None:
    if product.default_area is not None and product.default_area.service_id != service.pk:
        raise ValidationError({"default_area": [_("This area belongs to another service.")]})


def _next_sku(service: Service) -> str:
    """The service's next generated SKU. A number someone already typed by hand is skipped:
    taking it would refuse this product, and every next one, as a duplicate. The sequence
    row stays locked by the update until the product is saved, so creates take turns."""
    SkuSequence.objects.bulk_create([SkuSequence(tenant_id=service.tenant_id, service=service)], ignore_conflicts=True)
    sequence = SkuSequence.objects.filter(tenant_id=service.tenant_id, service=service)
    taken = Product.objects.filter(tenant_id=service.tenant_id, service=service)
    while True:
        sequence.update(last_value=F("last_value") + 1)
        sku = f"S{service.pk}-{sequence.values_list('last_value', flat=True).get():06d}"
        if not taken.filter(sku=sku).exists():
            return sku


def _save_product(product: Product) -> Product:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        message = str(exc)
        if "barcode" in message:
            raise BarcodeTaken() from None
        if "sku" in message:
            raise SkuTaken() from None
        raise
    return product


@transaction.atomic
def product_create(*, tenant, service: Service, actor, **fields) -> Product:
    check_count_limit(tenant, Limit.MAX_PRODUCTS)
    product = Product(tenant=tenant, service=service, created_by=actor if actor and actor.is_authenticated else None)
    for field, value in fields.items():
        setattr(product, field, value)
    _check_unit(product.unit, service)
    _check_category(product.category, service)
    _check_default_area(product, service)
    if not product.sku and service.features.get("sku"):
        product.sku = _next_sku(service)
    _save_product(product)
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="product.created", target=product, after={"name": product.name}
    )
    return product


@transaction.atomic
def product_update(*, tenant, product: Product, actor, **changes) -> Product:
    if changes.get("archived") is False and product.archived:
        # Un-archiving brings the product back into the catalog: it takes a seat again.
        check_count_limit(tenant, Limit.MAX_PRODUCTS)
    for field, value in changes.items():
        setattr(product, field, value)
    _check_unit(product.unit, product.service)
    _check_category(product.category, product.service)
    _check_default_area(product, product.service)
    _save_product(product)
    audit_record(
        tenant_id=product.tenant_id,
        actor=actor,
        action="product.updated",
        target=product,
        after={"fields": sorted(changes)},
    )
    return product


@transaction.atomic
def product_delete(*, product: Product, actor) -> bool:
    """Deletes a product without history; one that was counted or lost is archived instead,
    so past months keep their lines. Returns whether it was deleted."""
    if product.count_lines.exists() or product.losses.exists():
        product.archived = True
        product.save(update_fields=["archived", "updated_at"])
        audit_record(tenant_id=product.tenant_id, actor=actor, action="product.archived", target=product)
        return False
    audit_record(
        tenant_id=product.tenant_id,
        actor=actor,
        action="product.deleted",
        target=product,
        before={"name": product.name},
    )
    product.delete()
    return True


def _save_category(category: Category) -> Category:
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise CategoryNameTaken() from None
    return category


@transaction.atomic
def category_create(*, tenant, service: Service, name: str, actor) -> Category:
    category = _save_category(Category(tenant=tenant, service=service, name=name.strip()))
    audit_record(tenant_id=tenant.pk, actor=actor, action="category.created", target=category, after={"name": name})
    return category


@transaction.atomic
def category_update(*, category: Category, name: str, actor) -> Category:
    before = {"name": category.name}
    category.name = name.strip()
    _save_category(category)
    audit_record(
        tenant_id=category.tenant_id,
        actor=actor,
        action="category.updated",
        target=category,
        before=before,
        after={"name": category.name},
    )
    return category


@transaction.atomic
def category_delete(*, category: Category, actor) -> None:
    audit_record(
        tenant_id=category.tenant_id,
        actor=actor,
        action="category.deleted",
        target=category,
        before={"name": category.name},
    )
    category.delete()
