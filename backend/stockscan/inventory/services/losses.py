"""Recording losses: retry-safe like count lines, valued at the cost of the day. Recording,
changing and deleting one needs the `loss_management` entitlement; reading does not.

A closed month is closed for losses too: a loss dated in a month whose count is closed cannot
be recorded, changed, moved in or out of it, or deleted (409 `MONTH_CLOSED`); the month's
count row is locked meanwhile, so a loss and the closing cannot cross. A loss cannot be
dated after the business's today (its time zone). Who may change which loss is decided by
the view's queryset (`selectors.listing.loss_list(editable_by=…)`: operators their own).
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from stockscan.core.audit import audit_record
from stockscan.core.errors import ApiError
from stockscan.core.idempotency import idempotent_create
from stockscan.entitlements.enforcement import require_feature
from stockscan.entitlements.plans import Feature
from stockscan.inventory.errors import InventoryErrorCode, MonthClosed
from stockscan.inventory.models import CountStatus, Loss, Product, StockCount, unit_factor
from stockscan.orgs.models import Service


def _product_quantity(*, product: Product, quantity, unit: str):
    factor = unit_factor(unit, product.unit)
    if factor is None:
        raise ValidationError(
            {"unit": [_("This unit does not convert to the product's unit (%(unit)s).") % {"unit": product.unit}]}
        )
    return quantity * factor


def _check_product(product: Product, service: Service) -> None:
    if product.service_id != service.pk:
        raise ValidationError({"product": [_("This product belongs to another service.")]})


def _check_date(tenant, occurred_on: date) -> None:
    if occurred_on > tenant.today():
        message = _("A loss cannot be dated after today.")
        raise ApiError(message, code=InventoryErrorCode.LOSS_IN_FUTURE, fields={"occurred_on": [str(message)]})


def _check_month_open(*, tenant_id: int, service_id: int, occurred_on: date) -> None:
    """409 when the loss's month is closed in its service; locks that month's count row."""
    status = (
        StockCount.objects.select_for_update()
        .filter(tenant_id=tenant_id, service_id=service_id, month=occurred_on.replace(day=1))
        .values_list("status", flat=True)
        .first()
    )
    if status == CountStatus.CLOSED:
        raise MonthClosed()


@transaction.atomic
def loss_record(
    *,
    tenant,
    service: Service,
    actor,
    product: Product,
    quantity,
    reason: str,
    occurred_on: date,
    unit: str = "",
    note: str = "",
    client_id: str = "",
) -> tuple[Loss, bool]:
    require_feature(tenant, Feature.LOSS_MANAGEMENT)
    _check_product(product, service)
    _check_date(tenant, occurred_on)
    unit = unit or product.unit
    fields = {"product": product, "quantity": quantity, "unit": unit, "reason": reason, "occurred_on": occurred_on}
    return idempotent_create(
        key=client_id,
        previous=Loss.objects.filter(tenant=tenant, service=service, client_id=client_id),
        fields=fields,
        create=lambda: _loss_insert(
            tenant=tenant, service=service, actor=actor, note=note, client_id=client_id, fields=fields
        ),
    )


def _loss_insert(*, tenant, service: Service, actor, note: str, client_id: str, fields: dict) -> Loss:
    _check_month_open(tenant_id=tenant.pk, service_id=service.pk, occurred_on=fields["occurred_on"])
    loss = Loss.objects.create(
        tenant=tenant,
        service=service,
        product_quantity=_product_quantity(product=fields["product"], quantity=fields["quantity"], unit=fields["unit"]),
        unit_cost=fields["product"].purchase_price,
        note=note,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        client_id=client_id,
        **fields,
    )
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="loss.recorded", target=loss, after={"reason": fields["reason"]}
    )
    return loss


@transaction.atomic
def loss_update(*, loss: Loss, actor, **changes) -> Loss:
    require_feature(loss.tenant, Feature.LOSS_MANAGEMENT)
    _check_month_open(tenant_id=loss.tenant_id, service_id=loss.service_id, occurred_on=loss.occurred_on)
    if "occurred_on" in changes:
        _check_date(loss.tenant, changes["occurred_on"])
        _check_month_open(tenant_id=loss.tenant_id, service_id=loss.service_id, occurred_on=changes["occurred_on"])
    for name, value in changes.items():
        setattr(loss, name, value)
    _check_product(loss.product, loss.service)
    if {"product", "quantity", "unit"} & set(changes):
        loss.product_quantity = _product_quantity(product=loss.product, quantity=loss.quantity, unit=loss.unit)
    if "product" in changes:
        loss.unit_cost = loss.product.purchase_price
    loss.save()
    audit_record(
        tenant_id=loss.tenant_id, actor=actor, action="loss.updated", target=loss, after={"fields": sorted(changes)}
    )
    return loss


@transaction.atomic
def loss_delete(*, loss: Loss, actor) -> None:
    require_feature(loss.tenant, Feature.LOSS_MANAGEMENT)
    _check_month_open(tenant_id=loss.tenant_id, service_id=loss.service_id, occurred_on=loss.occurred_on)
    audit_record(
        tenant_id=loss.tenant_id, actor=actor, action="loss.deleted", target=loss, before={"reason": loss.reason}
    )
    loss.delete()
