"""Monthly counts: starting, closing and reopening a month, and writing its lines.

Adding a line is safe to retry (`core.idempotency`): a line carrying a client id (body
`client_id` or the `Idempotency-Key` header) is inserted once; the same write sent again
returns that line.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from stockscan.core.audit import audit_record
from stockscan.core.idempotency import idempotent_create
from stockscan.core.models import AuditEntry
from stockscan.core.months import format_month, previous_month
from stockscan.entitlements.retention import require_month_visible
from stockscan.inventory.errors import CountClosed
from stockscan.inventory.models import ContainerState, CountLine, CountStatus, Product, StockCount


@transaction.atomic
def count_start(*, tenant, service, month: date, actor, from_previous: bool = False) -> tuple[StockCount, bool]:
    """Opens the month (or returns it if it exists). With `from_previous`, the previous
    month's lines are carried over at today's prices, for the team to adjust rather than
    type again. A month older than the plan's history cannot be opened."""
    require_month_visible(tenant, month)
    try:
        with transaction.atomic():
            count = StockCount.objects.create(tenant=tenant, service=service, month=month)
    except IntegrityError:
        return StockCount.objects.get(tenant=tenant, service=service, month=month), False
    if from_previous:
        _carry_over(count=count, actor=actor)
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="count.started", target=count, after={"month": format_month(month)}
    )
    return count, True


def _carry_over(*, count: StockCount, actor) -> None:
    previous = (
        CountLine.objects.filter(
            tenant_id=count.tenant_id,
            count__service_id=count.service_id,
            count__month=previous_month(count.month),
            product__archived=False,
        )
        .select_related("product")
        .order_by("id")
    )
    carried = CountLine.objects.bulk_create(
        CountLine(
            tenant_id=count.tenant_id,
            count=count,
            product=line.product,
            quantity=line.quantity,
            container_state=line.container_state,
            remaining_fraction=line.remaining_fraction,
            remaining_quantity=line.remaining_quantity,
            expiry_date=line.expiry_date,
            expiry_kind=line.expiry_kind,
            lot=line.lot,
            unit_cost=line.product.purchase_price,
            unit_price=line.product.selling_price,
            counted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for line in previous.iterator(chunk_size=2000)
    )
    _add_to_line_count(count, len(carried))


def _add_to_line_count(count: StockCount, lines: int) -> None:
    """Keeps `StockCount.line_count`; every writer of lines calls it in its transaction, the
    count row locked (a new count is not visible to anyone else yet)."""
    StockCount.objects.filter(tenant_id=count.tenant_id, pk=count.pk).update(line_count=F("line_count") + lines)
    count.line_count += lines  # the row is locked or new: its loaded value is current


def _locked(count: StockCount) -> StockCount:
    """The count row, locked: a line write and a close cannot cross each other."""
    return (
        StockCount.objects.select_for_update(of=("self",))
        .select_related("service")
        .get(tenant_id=count.tenant_id, pk=count.pk)
    )


@transaction.atomic
def count_close(*, count: StockCount, actor) -> StockCount:
    count = _locked(count)
    if count.status != CountStatus.CLOSED:
        count.status, count.closed_at, count.closed_by = CountStatus.CLOSED, timezone.now(), actor
        count.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        audit_record(tenant_id=count.tenant_id, actor=actor, action="count.closed", target=count)
    return count


@transaction.atomic
def count_reopen(*, count: StockCount, actor) -> StockCount:
    count = _locked(count)
    if count.status != CountStatus.OPEN:
        count.status, count.closed_at, count.closed_by = CountStatus.OPEN, None, None
        count.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        audit_record(tenant_id=count.tenant_id, actor=actor, action="count.reopened", target=count)
    return count


def _check_line(line: CountLine, count: StockCount, written: set[str]) -> None:
    """`written`: the fields this write sets. The service's features are checked against
    them only, so that turning a feature off leaves the lines already counted editable."""
    errors = {}
    features = count.service.features
    product: Product = line.product
    if product.service_id != count.service_id:
        errors["product"] = [_("This product belongs to another service.")]
    elif product.archived and line.pk is None:
        errors["product"] = [_("This product is archived.")]
    if line.container_state == ContainerState.OPENED:
        if not features.get("open_container_tracking"):
            errors["container_state"] = [_("This service does not track opened containers.")]
        elif (line.remaining_fraction is None) == (line.remaining_quantity is None):
            errors["remaining_fraction"] = [
                _("An opened container needs either remaining_fraction or remaining_quantity.")
            ]
        elif line.remaining_quantity is not None and line.remaining_quantity > line.quantity:
            errors["remaining_quantity"] = [_("What is left in the opened containers cannot exceed the quantity.")]
    elif line.remaining_fraction is not None or line.remaining_quantity is not None:
        errors["container_state"] = [_("Only an opened container has a remaining fraction or quantity.")]
    if "lot" in written and line.lot and not features.get("lot"):
        errors["lot"] = [_("This service does not track lots.")]
    if "expiry_date" in written and line.expiry_date is not None and not features.get("dlc"):
        errors["expiry_date"] = [_("This service does not track expiry dates.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def line_add(*, count: StockCount, actor, client_id: str = "", **fields) -> tuple[CountLine, bool]:
    """Adds a line; a retry with the same `client_id` answers the first line, even once the
    month is closed (the retry was sent before it closed)."""
    count = _locked(count)
    return idempotent_create(
        key=client_id,
        previous=CountLine.objects.filter(tenant_id=count.tenant_id, count=count, client_id=client_id),
        fields=fields,
        create=lambda: _line_insert(count=count, actor=actor, client_id=client_id, fields=fields),
    )


def _line_insert(*, count: StockCount, actor, client_id: str, fields: dict) -> CountLine:
    if count.status == CountStatus.CLOSED:
        raise CountClosed()
    product = fields["product"]
    line = CountLine(
        tenant_id=count.tenant_id,
        count=count,
        client_id=client_id,
        unit_cost=product.purchase_price,
        unit_price=product.selling_price,
        counted_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    _check_line(line, count, set(fields))
    line.save()
    _add_to_line_count(count, 1)
    _record_counting(count=count, actor=actor)
    return line


COUNTING_ACTION = "count.lines_counted"


def _record_counting(*, count: StockCount, actor) -> None:
    """What the activity feed tells of counting (« Awa a compté 42 produits au Bar »): one audit
    row per member, month and day, whose number grows with each line counted. The count row
    is locked by the caller, so a month's lines are added to it one after the other."""
    member = actor if getattr(actor, "is_authenticated", False) else None
    entry = (
        AuditEntry.objects.with_scopes_disabled()
        .filter(
            tenant_id=count.tenant_id,
            actor=member,
            action=COUNTING_ACTION,
            target_id=str(count.pk),
            created_at__date=timezone.localdate(),
        )
        .first()
    )
    if entry is None:
        after = {"lines": 1, "service": count.service.name, "month": format_month(count.month)}
        audit_record(tenant_id=count.tenant_id, actor=member, action=COUNTING_ACTION, target=count, after=after)
        return
    entry.after["lines"] += 1
    entry.save(update_fields=["after"])


@transaction.atomic
def line_update(*, line: CountLine, actor, **changes) -> CountLine:
    count = _locked(line.count)
    if count.status == CountStatus.CLOSED:
        raise CountClosed()
    if "product" in changes and changes["product"].pk != line.product_id:
        product = changes["product"]
        line.unit_cost, line.unit_price = product.purchase_price, product.selling_price
    for name, value in changes.items():
        setattr(line, name, value)
    if line.container_state == ContainerState.SEALED and "container_state" in changes:
        line.remaining_fraction = line.remaining_quantity = None
    _check_line(line, count, set(changes))
    line.save()
    return line


@transaction.atomic
def line_delete(*, line: CountLine, actor) -> None:
    count = _locked(line.count)
    if count.status == CountStatus.CLOSED:
        raise CountClosed()
    line.delete()
    _add_to_line_count(count, -1)
