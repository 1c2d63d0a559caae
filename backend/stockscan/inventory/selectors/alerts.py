"""Alerts of a month: products below their minimum and stock whose date is near (DLC within
30 days, DDM within 90). Both kinds come from one UNION query, paginated in the database.

Both read the month's counted lines: a product not counted yet this month has no known
stock, so it raises no alert (at the start of a month, every product would). Each kind needs
its entitlement (`alerts_stock`, `alerts_expiry`), and the month must be within the plan's
history: `alert_rows` checks both, whoever calls it.

Each alert says its quantity's unit and what the stock concerned is worth at cost (the lines
valued as `valuation` says, each rounded to the currency): the value at risk of an expiring
line, the counted value of a product running low."""

from datetime import date, timedelta

from django.db.models import CharField, DateField, DecimalField, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast

from stockscan.entitlements.enforcement import require_feature
from stockscan.entitlements.errors import EntitlementsErrorCode
from stockscan.entitlements.plans import Feature, cheapest_plan_with
from stockscan.entitlements.retention import require_month_visible
from stockscan.entitlements.selectors import effective_plan
from stockscan.inventory.models import CountLine, ExpiryKind
from stockscan.inventory.selectors.quantities import EFFECTIVE_QUANTITY
from stockscan.inventory.selectors.valuation import line_value

EXPIRY_WINDOWS = {ExpiryKind.DLC: timedelta(days=30), ExpiryKind.DDM: timedelta(days=90)}
LOW_STOCK, EXPIRY = "low_stock", "expiry"
KIND_FEATURES = {LOW_STOCK: Feature.ALERTS_STOCK, EXPIRY: Feature.ALERTS_EXPIRY}
# The columns of both halves of the UNION, named alike so that it can be ordered.
COLUMNS = (
    "kind",
    "product_id",
    "product_name",
    "service_id",
    "line_id",
    "alert_quantity",
    "alert_min_quantity",
    "alert_expiry_date",
    "alert_expiry_kind",
    "alert_lot",
    "alert_unit",
    "alert_value",
)
_QUANTITY = DecimalField(max_digits=24, decimal_places=6)


def _month_lines(*, tenant, service_ids: list[int], month: date):
    return CountLine.objects.filter(tenant=tenant, count__service__in=service_ids, count__month=month)


def _low_stock(lines, *, currency: str):
    # An archived product is no longer bought: running low on it is not news.
    return (
        lines.filter(product__min_quantity__isnull=False, product__archived=False)
        .values("product_id", "product__name", "count__service_id", "product__min_quantity", "product__unit")
        .annotate(total=Sum(EFFECTIVE_QUANTITY), value=Sum(line_value(currency)))
        .filter(total__lt=F("product__min_quantity"))
        .annotate(
            kind=Value(LOW_STOCK, output_field=CharField()),
            product_name=F("product__name"),
            service_id=F("count__service_id"),
            line_id=Value(None, output_field=IntegerField()),
            alert_quantity=Cast("total", _QUANTITY),
            alert_min_quantity=Cast("product__min_quantity", _QUANTITY),
            alert_expiry_date=Value(None, output_field=DateField()),
            alert_expiry_kind=Value("", output_field=CharField()),
            alert_lot=Value("", output_field=CharField()),
            alert_unit=F("product__unit"),
            alert_value=Cast("value", _QUANTITY),
        )
        .values_list(*COLUMNS)
        .order_by()
    )


def _expiring(lines, *, today: date, currency: str):
    near = Q()
    for kind, window in EXPIRY_WINDOWS.items():
        near |= Q(expiry_kind=kind, expiry_date__lte=today + window)
    return (
        lines.filter(near, expiry_date__isnull=False)
        .annotate(
            kind=Value(EXPIRY, output_field=CharField()),
            product_name=F("product__name"),
            service_id=F("count__service_id"),
            line_id=F("id"),
            alert_quantity=Cast(EFFECTIVE_QUANTITY, _QUANTITY),
            alert_min_quantity=Cast("product__min_quantity", _QUANTITY),
            alert_expiry_date=F("expiry_date"),
            alert_expiry_kind=F("expiry_kind"),
            alert_lot=F("lot"),
            alert_unit=F("product__unit"),
            alert_value=Cast(line_value(currency), _QUANTITY),
        )
        .values_list(*COLUMNS)
        .order_by()
    )


def _allowed_kinds(tenant, kind: str | None) -> set[str]:
    """The kind asked for, if the plan includes it; else every kind the plan includes, and
    a refusal when it includes none."""
    if kind is not None:
        require_feature(tenant, KIND_FEATURES[kind])
        return {kind}
    plan = effective_plan(tenant)
    kinds = {name for name, feature in KIND_FEATURES.items() if plan.has(feature)}
    if not kinds:
        require_feature(tenant, Feature.ALERTS_STOCK)
    return kinds


def excluded_kinds(tenant, kind: str | None) -> list[dict]:
    """The kinds of alert a listing of every kind leaves out because the plan does not include
    them, each with the reason and the plan that has it: the answer says what it does not show
    instead of showing nothing. (A kind asked for by name is refused with 403 instead.)"""
    if kind is not None:
        return []
    plan = effective_plan(tenant)
    return [
        {"kind": name, "reason": EntitlementsErrorCode.FEATURE_NOT_INCLUDED, "feature": feature, "plan": plan_code}
        for name, feature in KIND_FEATURES.items()
        if not plan.has(feature) and (plan_code := cheapest_plan_with(feature)) is not None
    ]


def alert_rows(*, tenant, service_ids: list[int], month: date, today: date, kind: str | None = None):
    """The alerts as tuples of COLUMNS: expiry first (soonest date first), then low stock.
    `kind`: one of KIND_FEATURES, or None for every kind the plan includes."""
    require_month_visible(tenant, month)
    kinds = _allowed_kinds(tenant, kind)
    lines = _month_lines(tenant=tenant, service_ids=service_ids, month=month)
    parts = []
    if LOW_STOCK in kinds:
        parts.append(_low_stock(lines, currency=tenant.currency))
    if EXPIRY in kinds:
        parts.append(_expiring(lines, today=today, currency=tenant.currency))
    if not parts:
        return CountLine.objects.none().values_list("id")
    rows = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
    return rows.order_by("kind", "alert_expiry_date", "product_name", "line_id")
