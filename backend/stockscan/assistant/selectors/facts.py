"""The facts the assistant speaks from, computed by us from the business's own figures.

Every figure is read through the inventory's selectors (stats, alerts) or its expressions
(effective quantity, line value), within what the member sees: an operator limited to a
service gets that service's facts, and a member from whom the business hides purchase costs
gets no fact computed from one. A constant number of queries, whatever the size of the
catalog (asserted in tests/backend/assistant/test_facts.py).

Each fact has a stable id, a value (a Decimal), a unit (the tenant's currency, "%", "count",
"days" or a product's unit) and a label in the request's language.

The credit book's figures (outstanding, overdue, customers owing and overdue, collected this
month, what is owed by age) come from the credits app's own selectors (its dashboard, its
customer list) for the scope "credits", and in every answer when the plan includes the credit
book — to members who may view it (`Perm.VIEW_CREDITS`). Aggregates only: no customer's name,
phone or email is ever a fact.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from stockscan.assistant.models import Scope
from stockscan.assistant.selectors.month_summary import MonthSummary, month_summary
from stockscan.core.money import quantize_money
from stockscan.core.months import format_month, next_month, previous_month
from stockscan.credits import selectors as credit_selectors
from stockscan.entitlements.plans import Feature
from stockscan.entitlements.retention import is_month_visible, require_month_visible
from stockscan.entitlements.selectors import effective_plan
from stockscan.inventory.models import CountStatus, Loss, LossReason, Product, StockCount
from stockscan.inventory.selectors.valuation import loss_value
from stockscan.orgs.tenancy.permissions import Perm, role_has, sees_purchase_costs

COUNT, PERCENT, DAYS, MONTHS = "count", "%", "days", "months"
# Products whose counted quantity has not moved for this many months are dead stock.
DEAD_STOCK_MONTHS = 3
# The ages (days) the credit book's ageing facts are named by: numbers of their labels.
CREDIT_AGEING_DAYS = (30, 31, 60, 61, 90)
_PERCENT_STEP = Decimal("0.1")
_QUANTITY_STEP = Decimal("0.001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Fact:
    id: str
    label: str
    value: Decimal
    unit: str

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "value": str(self.value), "unit": self.unit}


@dataclass
class FactSheet:
    """The facts of one member's month, with what the rules need to phrase them."""

    month: date
    currency: str
    service_ids: list[int]
    service: object | None  # the one service the facts are about, or None for several
    service_type: str
    costs_visible: bool
    facts: dict[str, Fact] = field(default_factory=dict)
    top_category: str | None = None
    top_loss_reason: str | None = None
    low_stock_products: list[str] = field(default_factory=list)
    count_status: str | None = None  # the month's count: open, closed, or None (not started)
    credits_included: bool = False  # the credit book's facts are among the facts

    @property
    def names(self) -> list[str]:
        """The names (user data) the facts' labels quote."""
        return [*self.low_stock_products, *([self.top_category] if self.top_category else [])]

    def add(self, fact_id: str, label: str, value, unit: str) -> None:
        self.facts[fact_id] = Fact(fact_id, label, Decimal(value), unit)

    def value(self, fact_id: str) -> Decimal | None:
        fact = self.facts.get(fact_id)
        return fact.value if fact else None

    def as_list(self) -> list[dict]:
        return [fact.as_dict() for fact in self.facts.values()]


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(_PERCENT_STEP, rounding=ROUND_HALF_UP)


def scoped_service_ids(*, tenant, membership, services: dict, service) -> tuple[list[int], object | None]:
    """The services the facts cover: the one asked for, else every service the member sees
    when the plan compares services (`multi_service_analytics`), else the member's first one."""
    if service is not None:
        return [service.pk], service
    if membership.service_id is not None:
        return [membership.service_id], services.get(membership.service_id)
    ids = sorted(services)
    if len(ids) > 1 and not effective_plan(tenant).has(Feature.MULTI_SERVICE_ANALYTICS):
        ids = ids[:1]
    if len(ids) == 1:
        return ids, services[ids[0]]
    return ids, None


def includes_credits(*, tenant, membership, scope: str) -> bool:
    """The credit book's figures are facts for a member who may view the book, when asked
    about it, and in every answer when the plan includes it."""
    if not role_has(membership.role, Perm.VIEW_CREDITS):
        return False
    return scope == Scope.CREDITS or effective_plan(tenant).has(Feature.CREDIT_BOOK)


def assistant_facts(
    *, tenant, membership, month: date, services: dict, service=None, scope: str = Scope.INVENTORY
) -> FactSheet:
    service_ids, single = scoped_service_ids(tenant=tenant, membership=membership, services=services, service=service)
    sheet = FactSheet(
        month=month,
        currency=tenant.currency,
        service_ids=service_ids,
        service=single,
        service_type=single.service_type if single is not None else "",
        costs_visible=sees_purchase_costs(membership),
    )
    if includes_credits(tenant=tenant, membership=membership, scope=scope):
        _credit_facts(sheet, tenant=tenant)
    if not service_ids:  # a business without a service yet: nothing counted, nothing lost
        for fact_id, label in (
            ("stock.lines", _("Lines counted this month")),
            ("losses.count", _("Losses recorded this month")),
            ("catalog.active", _("Products in the catalog")),
            ("counting.counted", _("Products counted this month")),
        ):
            sheet.add(fact_id, label, 0, COUNT)
        return sheet
    require_month_visible(tenant, month)
    plan = effective_plan(tenant)
    months = [month]
    for _index in range(DEAD_STOCK_MONTHS - 1):
        months.append(previous_month(months[-1]))
    # The months the plan's history reaches: last month for the change, three for dead stock.
    visible = [month] + [earlier for earlier in months[1:] if is_month_visible(tenant, earlier)]
    summary = month_summary(
        tenant=tenant,
        service_ids=service_ids,
        months=visible,
        today=tenant.today(),
        low_stock=plan.has(Feature.ALERTS_STOCK),
        dead_stock=len(visible) == DEAD_STOCK_MONTHS,
    )
    losses = _month_losses(tenant=tenant, service_ids=service_ids, month=month)
    _stock_facts(sheet, summary, previous_visible=len(visible) > 1)
    _loss_facts(sheet, losses, previous_visible=len(visible) > 1)
    _alert_facts(sheet, summary, tenant=tenant, plan=plan)
    if len(visible) == DEAD_STOCK_MONTHS:  # else the plan's history does not reach back that far
        _dead_stock_facts(sheet, summary)
    _catalog_and_counting_facts(sheet, tenant=tenant, counted_products=summary.products)
    return sheet


def _money(sheet: FactSheet, amount) -> Decimal:
    return quantize_money(Decimal(amount), sheet.currency)


def _stock_facts(sheet: FactSheet, summary: MonthSummary, *, previous_visible: bool) -> None:
    sheet.add("stock.lines", _("Lines counted this month"), summary.lines, COUNT)
    if not sheet.costs_visible:
        return
    value = _money(sheet, summary.stock_value)
    sheet.add("stock.value", _("Stock value"), value, sheet.currency)
    previous = _money(sheet, summary.previous_stock_value)
    if previous_visible and previous:
        sheet.add("stock.value_previous", _("Stock value last month"), previous, sheet.currency)
        sheet.add("stock.value_change", _("Change in stock value"), _money(sheet, value - previous), sheet.currency)
        sheet.add(
            "stock.value_change_percent", _("Change in stock value"), _percent(value - previous, previous), PERCENT
        )
    categories = [category for category in summary.categories if category.stock_value > 0]
    if value > 0 and categories:
        top = categories[0]
        sheet.top_category = top.name or _("Uncategorised")
        name = {"category": sheet.top_category}
        sheet.add("category.count", _("Categories holding stock"), len(categories), COUNT)
        sheet.add(
            "category.top.value",
            _("Stock value of “%(category)s”") % name,
            _money(sheet, top.stock_value),
            sheet.currency,
        )
        sheet.add(
            "category.top.share",
            _("Share of the stock value in “%(category)s”") % name,
            _percent(_money(sheet, top.stock_value), value),
            PERCENT,
        )


def _month_losses(*, tenant, service_ids: list[int], month: date) -> dict:
    """The month's losses by reason (count, value) and the value of last month's: one query
    on the losses' month index, valued as the stats value them (`loss_value`)."""
    current = Q(occurred_on__gte=month, occurred_on__lt=next_month(month))
    value = loss_value(tenant.currency)
    rows = list(
        Loss.objects.filter(
            tenant=tenant,
            service__in=service_ids,
            occurred_on__gte=previous_month(month),
            occurred_on__lt=next_month(month),
        )
        .values("reason")
        .annotate(
            loss_count=Count("id", filter=current),
            current_value=Sum(value, filter=current),
            previous_value=Sum(value, filter=~current),
        )
        .order_by("reason")
    )
    return {
        "count": sum(row["loss_count"] for row in rows),
        "value": sum((row["current_value"] or ZERO for row in rows), ZERO),
        "previous_value": sum((row["previous_value"] or ZERO for row in rows), ZERO),
        "by_reason": [
            {"reason": row["reason"], "count": row["loss_count"], "value": row["current_value"] or ZERO}
            for row in rows
            if row["loss_count"]
        ],
    }


def _loss_facts(sheet: FactSheet, losses: dict, *, previous_visible: bool) -> None:
    sheet.add("losses.count", _("Losses recorded this month"), losses["count"], COUNT)
    by_reason = losses["by_reason"]
    if not by_reason:
        return
    labels = dict(LossReason.choices)
    if sheet.costs_visible:
        value = _money(sheet, losses["value"])
        sheet.add("losses.value", _("Value of this month's losses"), value, sheet.currency)
        if previous_visible:
            previous = _money(sheet, losses["previous_value"])
            sheet.add("losses.value_previous", _("Value of last month's losses"), previous, sheet.currency)
            sheet.add(
                "losses.value_change",
                _("Change in the value of losses"),
                _money(sheet, value - previous),
                sheet.currency,
            )
        top = max(by_reason, key=lambda row: (_money(sheet, row["value"]), row["count"]))
    else:
        top = max(by_reason, key=lambda row: row["count"])
    sheet.top_loss_reason = top["reason"]
    for row in by_reason:
        reason = {"reason": labels.get(row["reason"], row["reason"])}
        sheet.add(f"losses.{row['reason']}.count", _("Losses this month: %(reason)s") % reason, row["count"], COUNT)
        if sheet.costs_visible:
            sheet.add(
                f"losses.{row['reason']}.value",
                _("Value of the losses: %(reason)s") % reason,
                _money(sheet, row["value"]),
                sheet.currency,
            )


def _alert_facts(sheet: FactSheet, summary: MonthSummary, *, tenant, plan) -> None:
    """The alerts' two kinds, as the alerts selector finds them, when the plan includes them."""
    if plan.has(Feature.ALERTS_STOCK):
        sheet.add("alerts.low_stock.count", _("Products below their minimum"), summary.low_stock, COUNT)
        for position, (name, quantity) in enumerate(summary.low_stock_named, start=1):
            sheet.low_stock_products.append(name)
            sheet.add(
                f"alerts.low_stock.{position}",
                _("Quantity left of “%(product)s”") % {"product": name},
                Decimal(quantity).quantize(_QUANTITY_STEP, rounding=ROUND_HALF_UP).normalize(),
                COUNT,
            )
    if plan.has(Feature.ALERTS_EXPIRY):
        sheet.add("alerts.expiring.count", _("Stock lines near their date"), summary.expiring, COUNT)
        if summary.soonest_expiry is not None:
            days = (summary.soonest_expiry - tenant.today()).days
            sheet.add("alerts.expiring.soonest_days", _("Days until the nearest date"), days, DAYS)


def _dead_stock_facts(sheet: FactSheet, summary: MonthSummary) -> None:
    """Products counted in each of the last three months with the very same quantity."""
    sheet.add(
        "dead_stock.months", _("Months a product must stay unchanged to count as dead stock"), DEAD_STOCK_MONTHS, MONTHS
    )
    sheet.add(
        "dead_stock.count",
        _("Products unchanged for %(months)s months") % {"months": DEAD_STOCK_MONTHS},
        summary.dead_stock,
        COUNT,
    )
    if sheet.costs_visible and summary.dead_stock:
        sheet.add(
            "dead_stock.value",
            _("Value of the unchanged stock"),
            _money(sheet, summary.dead_stock_value),
            sheet.currency,
        )


def _catalog_and_counting_facts(sheet: FactSheet, *, tenant, counted_products: int) -> None:
    catalog = Product.objects.filter(tenant=tenant, service__in=sheet.service_ids, archived=False).aggregate(
        active=Count("id"),
        # Priced: a selling price, or a price per serving (a bar's shot).
        unpriced=Count(
            "id", filter=Q(selling_price__isnull=True) & (Q(serving_price__isnull=True) | Q(serving_size__isnull=True))
        ),
        uncosted=Count("id", filter=Q(purchase_price__isnull=True)),
        no_minimum=Count("id", filter=Q(min_quantity__isnull=True)),
    )
    sheet.add("catalog.active", _("Products in the catalog"), catalog["active"], COUNT)
    sheet.add("catalog.unpriced", _("Products without a selling price"), catalog["unpriced"], COUNT)
    if sheet.costs_visible:
        sheet.add("catalog.uncosted", _("Products without a purchase price"), catalog["uncosted"], COUNT)
    sheet.add("catalog.no_minimum", _("Products without a minimum quantity"), catalog["no_minimum"], COUNT)
    statuses = list(
        StockCount.objects.filter(tenant=tenant, service__in=sheet.service_ids, month=sheet.month).values_list(
            "status", flat=True
        )
    )
    if statuses:
        sheet.count_status = CountStatus.OPEN if CountStatus.OPEN in statuses else CountStatus.CLOSED
    sheet.add("counting.counted", _("Products counted this month"), counted_products, COUNT)
    if catalog["active"]:
        progress = min(_percent(counted_products, catalog["active"]), Decimal(100))
        sheet.add(
            "counting.progress",
            _("Counting progress of %(month)s") % {"month": format_month(sheet.month)},
            progress,
            PERCENT,
        )


def _credit_facts(sheet: FactSheet, *, tenant) -> None:
    """The credit book's aggregates, through its own selectors (two queries: the dashboard's
    one, and the count of customers with something overdue). Never a customer's name."""
    today = tenant.today()
    book = credit_selectors.dashboard(tenant=tenant, today=today, top=0)
    overdue_customers = credit_selectors.customer_list(tenant=tenant, overdue=True, archived="all", today=today).count()
    sheet.credits_included = True
    currency = sheet.currency
    sheet.add("credits.outstanding", _("Owed by customers"), _money(sheet, book.outstanding), currency)
    sheet.add("credits.overdue", _("Owed past its due date"), _money(sheet, book.overdue), currency)
    sheet.add("credits.customers_owing", _("Customers who owe"), book.customers_owing, COUNT)
    sheet.add("credits.customers_overdue", _("Customers with an overdue credit"), overdue_customers, COUNT)
    sheet.add(
        "credits.collected_this_month",
        _("Collected from customers this month"),
        _money(sheet, book.collected_this_month),
        currency,
    )
    labels = {
        "0_30": _("Owed on credits up to 30 days old"),
        "31_60": _("Owed on credits 31 to 60 days old"),
        "61_90": _("Owed on credits 61 to 90 days old"),
        "90_plus": _("Owed on credits more than 90 days old"),
    }
    for bucket, label in labels.items():
        sheet.add(f"credits.ageing.{bucket}", label, _money(sheet, book.ageing.get(bucket, 0)), currency)
