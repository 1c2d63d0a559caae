"""Monthly counts: starting, closing, reopening and deleting a month, and counting its lines.

A month starts empty: what to count comes from last month's lines, read when asked
(`selectors.checklist`), never copied. A line is identified by its product, area, container
state, lot and expiry date (`models.LINE_IDENTITY`): counting it again sets its quantity (the
latest count wins, `counted_by` and `updated_at` say who and when, the audit log keeps the
quantity before), or adds to it with `mode="add"` (scan-to-add). Every line write takes the
month's row lock, so two people counting one month (two areas, or the same line) are applied
one after the other and nothing is lost.

A line write is safe to retry (`core.idempotency`'s contract): a write carrying a client id
(body `client_id` or `Idempotency-Key`) is applied once, recorded as a `CountLineWrite`; the
same write sent again answers its line, the same key with another write is a 409.
"""

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from stockscan.core.audit import audit_record
from stockscan.core.idempotency import IdempotencyKeyReused
from stockscan.core.models import AuditEntry
from stockscan.core.months import format_month, next_month
from stockscan.entitlements.retention import require_month_visible
from stockscan.inventory.errors import (
    CountClosed,
    CountEmpty,
    CountNotEmpty,
    LineExists,
    MonthNotStarted,
    MonthOutOfRange,
    UncountedProducts,
)
from stockscan.inventory.models import (
    LINE_IDENTITY,
    ContainerState,
    CountLine,
    CountLineWrite,
    CountStatus,
    Loss,
    Product,
    StockCount,
    UncountedPolicy,
)
from stockscan.inventory.selectors.checklist import uncounted_products
from stockscan.inventory.selectors.valuation import product_unit_price

# How many months before the business was created a count may be started (its history).
MONTHS_BEFORE_CREATION = 12


def months_open_to_start(tenant) -> tuple[date, date]:
    """The first and last month a count can be started for: from 12 months before the
    business was created (to enter its history) up to next month (counting on the last
    evening of a month), in the business's time zone."""
    created = timezone.localdate(tenant.created_at, ZoneInfo(tenant.timezone)).replace(day=1)
    years, month_index = divmod(created.month - 1 - MONTHS_BEFORE_CREATION, 12)
    earliest = date(created.year + years, month_index + 1, 1)
    return earliest, next_month(tenant.today().replace(day=1))


def _check_month_open_to_start(tenant, month: date) -> None:
    earliest, latest = months_open_to_start(tenant)
    if not earliest <= month <= latest:
        first, last = format_month(earliest), format_month(latest)
        raise MonthOutOfRange(
            MonthOutOfRange.default_detail % {"earliest": first, "latest": last}, earliest=first, latest=last
        )


@transaction.atomic
def count_start(*, tenant, service, month: date, actor) -> tuple[StockCount, bool]:
    """Opens the month (or returns it if it exists). Nothing is copied: the month's checklist
    is the service's catalogue with last month's quantities, read when asked. A month older than the
    plan's history, or outside `months_open_to_start`, cannot be opened."""
    _check_month_open_to_start(tenant, month)
    require_month_visible(tenant, month)
    try:
        with transaction.atomic():
            count = StockCount.objects.create(tenant=tenant, service=service, month=month)
    except IntegrityError:
        return StockCount.objects.get(tenant=tenant, service=service, month=month), False
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="count.started", target=count, after={"month": format_month(month)}
    )
    return count, True


@transaction.atomic
def count_delete(*, count: StockCount, actor) -> None:
    """Deletes a month started by mistake: only an open one with no line and no loss dated in it."""
    count = _locked(count)
    if count.status == CountStatus.CLOSED:
        raise CountClosed()
    has_losses = Loss.objects.filter(
        tenant_id=count.tenant_id,
        service_id=count.service_id,
        occurred_on__gte=count.month,
        occurred_on__lt=next_month(count.month),
    ).exists()
    if has_losses or CountLine.objects.filter(tenant_id=count.tenant_id, count=count).exists():
        raise CountNotEmpty()
    audit_record(
        tenant_id=count.tenant_id,
        actor=actor,
        action="count.deleted",
        target=count,
        before={"month": format_month(count.month), "service": count.service.name},
    )
    count.delete()


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
def count_close(*, count: StockCount, actor, uncounted: str = "") -> StockCount:
    """Closes the month. The checklist's products not counted make it a 409 with how many,
    unless `uncounted` says what they are: "zero" (none left: nothing written) or "expected"
    (as last month: an estimated line each at last month's quantity, written in bulk); the
    choice is recorded on the month. A month with nothing counted, or not begun yet, cannot
    be closed. Closing freezes each line's unit cost and price at its product's current ones,
    one cost per product for the whole month."""
    count = _locked(count)
    if count.status == CountStatus.CLOSED:
        return count
    tenant = count.tenant
    if count.month > tenant.today():
        raise MonthNotStarted()
    if not CountLine.objects.filter(tenant_id=count.tenant_id, count=count).exists():
        raise CountEmpty()
    missing = list(uncounted_products(count))
    if missing and not uncounted:
        raise UncountedProducts(UncountedProducts.default_detail % {"uncounted": len(missing)}, uncounted=len(missing))
    if missing and uncounted == UncountedPolicy.EXPECTED:
        estimated = CountLine.objects.bulk_create(
            (
                CountLine(
                    tenant_id=count.tenant_id,
                    count=count,
                    product_id=row["id"],
                    area_id=row["default_area"],
                    quantity=row["expected"],
                    estimated=True,
                    counted_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
                for row in missing
                if row["expected"] is not None  # not counted last month either: nothing to estimate from
            ),
            batch_size=2000,
        )
        _add_to_line_count(count, len(estimated))
    _freeze_costs(count)
    count.status, count.closed_at, count.closed_by = CountStatus.CLOSED, timezone.now(), actor
    count.uncounted = uncounted
    count.save(update_fields=["status", "closed_at", "closed_by", "uncounted", "updated_at"])
    audit_record(
        tenant_id=count.tenant_id,
        actor=actor,
        action="count.closed",
        target=count,
        after={"uncounted": uncounted, "products_uncounted": len(missing)},
    )
    return count


def _freeze_costs(count: StockCount) -> None:
    """One UPDATE: each line takes its product's current purchase price and unit selling
    price (by the serving when it is sold so: `selectors.valuation`), as the open month was
    valued."""
    product = Product.objects.filter(tenant_id=count.tenant_id, pk=OuterRef("product_id"))
    CountLine.objects.filter(tenant_id=count.tenant_id, count=count).update(
        unit_cost=Subquery(product.values("purchase_price")[:1]),
        unit_price=Subquery(product.annotate(unit_price=product_unit_price(prefix="")).values("unit_price")[:1]),
    )


@transaction.atomic
def count_reopen(*, count: StockCount, actor) -> StockCount:
    """Reopens the month: its costs are no longer frozen (the products' current ones value it
    again) and its lines can change; lines estimated at closing stay, marked estimated."""
    count = _locked(count)
    if count.status != CountStatus.OPEN:
        count.status, count.closed_at, count.closed_by, count.uncounted = CountStatus.OPEN, None, None, ""
        count.save(update_fields=["status", "closed_at", "closed_by", "uncounted", "updated_at"])
        CountLine.objects.filter(tenant_id=count.tenant_id, count=count).update(unit_cost=None, unit_price=None)
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
    if line.area is not None and line.area.service_id != count.service_id:
        errors["area"] = [_("This area belongs to another service.")]
    if errors:
        raise ValidationError(errors)


# What a line's quantity column holds (14 digits, 3 of them decimals).
LARGEST_QUANTITY = Decimal("1e11")


class CountMode:
    SET = "set"
    ADD = "add"


def _write_request(mode: str, fields: dict) -> dict:
    """What a write asked, as JSON, to tell its retry (the same) from a reused key."""

    def plain(value):
        if hasattr(value, "pk"):
            return value.pk
        if hasattr(value, "normalize"):  # a Decimal: 2 and 2.000 are the same count
            return format(value.normalize(), "f")
        if isinstance(value, date):
            return value.isoformat()
        return value

    return {"mode": mode, **{name: plain(value) for name, value in sorted(fields.items())}}


@transaction.atomic
def line_count(*, count: StockCount, actor, client_id: str = "", mode: str = CountMode.SET, **fields):
    """Counts a line of the month → (line, created). The line of the same identity is set to
    the new quantity (`mode="set"`) or added to (`mode="add"`); otherwise a line is added.
    Without an `area`, the product's default area. A retry with the same `client_id` answers
    the line it wrote, even once the month is closed (the retry was sent before it closed)."""
    count = _locked(count)
    fields.setdefault("area", fields["product"].default_area)
    request = _write_request(mode, fields)
    if client_id:
        replayed = _replayed_line(count, client_id, request)
        if replayed is not None:
            return replayed, False
    if count.status == CountStatus.CLOSED:
        raise CountClosed()
    identity = {name: fields.get(name, CountLine._meta.get_field(name).get_default()) for name in LINE_IDENTITY}
    line = CountLine.objects.filter(tenant_id=count.tenant_id, count=count, **identity).first()
    if line is None:
        line, created = _line_insert(count=count, actor=actor, client_id=client_id, fields=fields), True
    else:
        line, created = _line_recount(line=line, count=count, actor=actor, mode=mode, fields=fields), False
    if client_id:
        CountLineWrite.objects.create(
            tenant_id=count.tenant_id, count=count, line=line, client_id=client_id, request=request
        )
    return line, created


def _replayed_line(count: StockCount, client_id: str, request: dict) -> CountLine | None:
    write = (
        CountLineWrite.objects.filter(tenant_id=count.tenant_id, count=count, client_id=client_id)
        .select_related("line")
        .first()
    )
    if write is not None:
        if write.request != request:
            raise IdempotencyKeyReused()
        return write.line
    # A line written before writes were recorded carries its key itself.
    return CountLine.objects.filter(tenant_id=count.tenant_id, count=count, client_id=client_id).first()


def _line_insert(*, count: StockCount, actor, client_id: str, fields: dict) -> CountLine:
    line = CountLine(
        tenant_id=count.tenant_id,
        count=count,
        client_id=client_id,
        counted_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    _check_line(line, count, set(fields))
    line.save()
    _add_to_line_count(count, 1)
    _record_counting(count=count, actor=actor)
    return line


def _line_recount(*, line: CountLine, count: StockCount, actor, mode: str, fields: dict) -> CountLine:
    before = str(line.quantity)
    if mode == CountMode.ADD:
        line.quantity += fields["quantity"]
        if line.quantity >= LARGEST_QUANTITY:
            raise ValidationError({"quantity": [_("This line cannot hold that much: count it with a set.")]})
        if fields.get("remaining_quantity") is not None:
            line.remaining_quantity = (line.remaining_quantity or 0) + fields["remaining_quantity"]
        elif "remaining_fraction" in fields:
            line.remaining_fraction = fields["remaining_fraction"]
    else:
        line.quantity = fields["quantity"]
        line.remaining_fraction = fields.get("remaining_fraction")
        line.remaining_quantity = fields.get("remaining_quantity")
    if "expiry_kind" in fields:
        line.expiry_kind = fields["expiry_kind"]
    line.estimated = False
    line.counted_by = actor if getattr(actor, "is_authenticated", False) else None
    _check_line(line, count, set(fields))
    line.save()
    audit_record(
        tenant_id=count.tenant_id,
        actor=actor,
        action="count.line_recounted",
        target=line,
        before={"quantity": before},
        after={"quantity": str(line.quantity), "mode": mode, "product": line.product.name},
    )
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
    for name, value in changes.items():
        setattr(line, name, value)
    if line.container_state == ContainerState.SEALED and "container_state" in changes:
        line.remaining_fraction = line.remaining_quantity = None
    line.estimated = False
    line.counted_by = actor if getattr(actor, "is_authenticated", False) else None
    _check_line(line, count, set(changes))
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError:
        raise LineExists() from None
    return line


@transaction.atomic
def line_delete(*, line: CountLine, actor) -> None:
    count = _locked(line.count)
    if count.status == CountStatus.CLOSED:
        raise CountClosed()
    line.delete()
    _add_to_line_count(count, -1)
