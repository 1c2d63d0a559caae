"""The inventory export: the counted lines of one or more months and services, the losses of
those months, and a summary per category and unit aggregated in the database (on every
plan). Each sheet is one SQL query — joins, choice labels and line values computed in SQL —
whose rows are streamed in chunks, never loaded whole.

Every amount is rounded half up to the tenant's currency once, at the line, in SQL (as the
stats round them), and every sheet ends with a totals row that sums them: the file shows the
figures the API shows. Lines are valued as `inventory.selectors.valuation` says (an open
month at the product's current cost and price, a closed one at what it froze). Sales
columns come excluding VAT (HT), VAT and including VAT (TTC); purchase values are HT.

A CSV holds one sheet: the inventory, or the losses with `kind=losses`, or the summary with
`kind=summary`; an XLSX holds the three."""

from datetime import date
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.core.months import InvalidMonth, format_month, next_month, parse_month
from stockscan.entitlements.retention import require_month_visible, visible_months
from stockscan.entitlements.selectors import current_period
from stockscan.exports.base import Column, ColumnKind, Exporter, FileFormat, Sheet, register
from stockscan.exports.errors import InvalidMonthRange, MonthRangeTooLong
from stockscan.inventory.models import ContainerState, CountLine, Loss, LossReason, Unit
from stockscan.inventory.selectors.quantities import EFFECTIVE_QUANTITY
from stockscan.inventory.selectors.valuation import (
    AMOUNT,
    LINE_UNIT_COST,
    LINE_UNIT_PRICE,
    line_sales,
    line_value,
    loss_value,
    sales_split,
)
from stockscan.orgs.tenancy.resolution import member_service, restrict_to_member_services

MAX_MONTHS = 24
ALL_SERVICES = "all"
# Rows per round trip; on PostgreSQL they come through a server-side cursor.
CHUNK_ROWS = 2000
# Which lines `mode` keeps, by container state.
MODES = {"all": None, "sealed": ContainerState.SEALED, "opened": ContainerState.OPENED}
ZERO = Value(Decimal(0), output_field=AMOUNT)
# Which sheet a CSV holds (an XLSX holds them all).
KINDS = ("inventory", "losses", "summary")

# Units as an accountant reads them: a word for pieces, the usual symbols otherwise.
UNIT_LABELS = {
    Unit.PIECE: _("piece"),
    Unit.KILOGRAM: "kg",
    Unit.GRAM: "g",
    Unit.LITRE: "L",
    Unit.MILLILITRE: "mL",
}

INVENTORY_COLUMNS = [
    Column(_("Month"), ColumnKind.MONTH, 10),
    Column(_("Service"), ColumnKind.TEXT, 16),
    Column(_("Category"), ColumnKind.TEXT, 18),
    Column(_("Product"), ColumnKind.TEXT, 32),
    Column(_("Barcode"), ColumnKind.TEXT, 16),
    Column(_("SKU"), ColumnKind.TEXT, 12),
    Column(_("Container"), ColumnKind.TEXT, 11),
    Column(_("Quantity"), ColumnKind.QUANTITY, 11),
    Column(_("Unit"), ColumnKind.TEXT, 8),
    Column(_("Minimum"), ColumnKind.QUANTITY, 10),
    Column(_("Remaining fraction"), ColumnKind.FRACTION, 11),
    Column(_("Remaining quantity"), ColumnKind.QUANTITY, 11),
    Column(_("Expiry date"), ColumnKind.DATE, 12),
    Column(_("Lot"), ColumnKind.TEXT, 12),
    Column(_("Unit cost excl. VAT"), ColumnKind.PRICE, 13),
    Column(_("Selling price"), ColumnKind.PRICE, 13),
    Column(_("VAT rate"), ColumnKind.RATE, 9),
    Column(_("Stock value excl. VAT"), ColumnKind.MONEY, 14),
    Column(_("Potential sales excl. VAT"), ColumnKind.MONEY, 14),
    Column(_("VAT"), ColumnKind.MONEY, 12),
    Column(_("Potential sales incl. VAT"), ColumnKind.MONEY, 14),
]

LOSS_COLUMNS = [
    Column(_("Date"), ColumnKind.DATE, 12),
    Column(_("Service"), ColumnKind.TEXT, 16),
    Column(_("Category"), ColumnKind.TEXT, 18),
    Column(_("Product"), ColumnKind.TEXT, 32),
    Column(_("Quantity"), ColumnKind.QUANTITY, 11),
    Column(_("Unit"), ColumnKind.TEXT, 8),
    Column(_("Reason"), ColumnKind.TEXT, 14),
    Column(_("Unit cost excl. VAT"), ColumnKind.PRICE, 13),
    Column(_("Value excl. VAT"), ColumnKind.MONEY, 14),
    Column(_("Note"), ColumnKind.TEXT, 40),
    Column(_("Recorded by"), ColumnKind.TEXT, 16),
]

SUMMARY_COLUMNS = [
    Column(_("Month"), ColumnKind.MONTH, 10),
    Column(_("Service"), ColumnKind.TEXT, 16),
    Column(_("Category"), ColumnKind.TEXT, 24),
    Column(_("Unit"), ColumnKind.TEXT, 8),
    Column(_("Lines"), ColumnKind.INTEGER, 9),
    Column(_("Quantity"), ColumnKind.QUANTITY, 12),
    Column(_("Stock value excl. VAT"), ColumnKind.MONEY, 15),
    Column(_("Potential sales excl. VAT"), ColumnKind.MONEY, 15),
    Column(_("VAT"), ColumnKind.MONEY, 12),
    Column(_("Potential sales incl. VAT"), ColumnKind.MONEY, 15),
    Column(_("Potential margin excl. VAT (priced lines)"), ColumnKind.MONEY, 15),
    Column(_("Stock value without a selling price"), ColumnKind.MONEY, 15),
]


def choice_labels(field: str, choices) -> Case:
    """A choice field's labels, in the active language, computed by the database."""
    return Case(
        *[When(**{field: value}, then=Value(str(label))) for value, label in choices],
        default=F(field),
        output_field=CharField(),
    )


SHEET_NAMES = {"inventory": _("Inventory"), "losses": _("Losses"), "summary": _("Summary")}


class InventoryExportOptions(serializers.Serializer):
    """Parses `from`/`to` (YYYY-MM), `service` (an id, or `all`) and `mode` (sealed, opened or
    all containers); the exporter decides what they mean for the tenant and member."""

    service = serializers.CharField(required=False, allow_blank=True, default=ALL_SERVICES)
    mode = serializers.ChoiceField(choices=list(MODES), default="all")
    kind = serializers.ChoiceField(choices=list(KINDS), default="inventory")

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword: declared here rather than as a class attribute.
        fields["from"] = serializers.CharField(required=False, allow_blank=True)
        fields["to"] = serializers.CharField(required=False, allow_blank=True)
        return fields

    def validate(self, attrs):
        return {
            "start": _month_option(attrs, "from"),
            "end": _month_option(attrs, "to"),
            "service": attrs["service"].strip(),
            "mode": attrs["mode"],
            "kind": attrs["kind"],
        }


def _month_option(attrs: dict, name: str) -> date | None:
    raw = (attrs.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_month(raw)
    except InvalidMonth:
        raise InvalidMonth(fields={name: [str(InvalidMonth.default_detail)]}) from None


@register
class InventoryExporter(Exporter):
    identifier = "inventory"

    def clean_options(self, raw) -> dict:
        """This month by default, at most MAX_MONTHS, starting within the plan's history; the
        service must be one the member works on."""
        options = InventoryExportOptions(data=raw)
        options.is_valid(raise_exception=True)
        parsed = options.validated_data
        start = parsed["start"] or current_period(self.tenant)
        end = parsed["end"] or start
        if start > end:
            raise InvalidMonthRange()
        if (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
            raise MonthRangeTooLong(months=MAX_MONTHS)
        require_month_visible(self.tenant, start)
        raw_service = parsed["service"]
        service = (
            None if raw_service in ("", ALL_SERVICES) else member_service(self.membership, raw_service, required=True)
        )
        return {"start": start, "end": end, "service": service, "mode": parsed["mode"], "kind": parsed["kind"]}

    def stored_options(self) -> dict[str, str]:
        service = self.options["service"]
        return {
            "from": format_month(self.options["start"]),
            "to": format_month(self.options["end"]),
            "service": str(service.pk) if service else ALL_SERVICES,
            "mode": self.options["mode"],
            "kind": self.options["kind"],
        }

    def readable_by(self, membership) -> bool:
        service = self.options["service"]
        return membership.service_id is None or (service is not None and service.pk == membership.service_id)

    def _months(self) -> str:
        start, end = format_month(self.options["start"]), format_month(self.options["end"])
        return start if start == end else f"{start} to {end}"

    def filename_parts(self) -> list[str]:
        """The month once when the export holds one (`…_2026-11.xlsx`), else `from_to`; a CSV
        of losses or of the summary says so."""
        service = self.options["service"]
        start, end = format_month(self.options["start"]), format_month(self.options["end"])
        parts = [self.tenant.name, service.name if service else ALL_SERVICES, start]
        if end != start:
            parts.append(end)
        if self.options["kind"] != "inventory":
            parts.append(str(SHEET_NAMES[self.options["kind"]]))
        return parts

    def description(self) -> str:
        service = self.options["service"]
        return f"{self._months()}, {service.name if service else gettext('all services')}"

    def sheets(self, file_format: FileFormat) -> list[Sheet]:
        builders = {
            "inventory": (INVENTORY_COLUMNS, self.inventory_queryset),
            "losses": (LOSS_COLUMNS, self._loss_queryset),
            "summary": (SUMMARY_COLUMNS, self._summary_queryset),
        }
        kinds = KINDS if file_format == FileFormat.XLSX else (self.options["kind"],)
        sheets = []
        for kind in kinds:
            columns, queryset = builders[kind][0], builders[kind][1]()
            sheets.append(
                Sheet(
                    kind,
                    SHEET_NAMES[kind],
                    columns,
                    queryset.iterator(chunk_size=CHUNK_ROWS),
                    total_label=gettext("Total"),
                    currency=self.tenant.currency,
                    query=queryset,
                )
            )
        return sheets

    def _of_services(self, queryset, service_field: str):
        service = self.options["service"]
        if service is not None:
            return queryset.filter(**{service_field: service})
        return restrict_to_member_services(queryset, self.membership, service_field)

    def _lines(self):
        lines = CountLine.objects.filter(
            tenant=self.tenant, count__month__gte=self.options["start"], count__month__lte=self.options["end"]
        )
        lines = self._of_services(lines, "count__service")
        lines = visible_months(lines, tenant=self.tenant, month_field="count__month")
        state = MODES[self.options["mode"]]
        return lines if state is None else lines.filter(container_state=state)

    def _sales(self):
        """(stock value, sales HT, VAT, sales TTC) of a line, each rounded to the currency."""
        currency = self.tenant.currency
        excl, vat, incl = sales_split(
            line_sales(currency),
            vat_rate=F("product__vat_rate"),
            currency=currency,
            prices_include_vat=self.tenant.prices_include_vat,
        )
        return line_value(currency), excl, vat, incl

    def inventory_queryset(self):
        """The inventory sheet's query (values_list rows, in column order): one SQL statement,
        which the benchmark also runs through PostgreSQL's COPY as the CSV's floor."""
        value, excl, vat, incl = self._sales()
        return (
            self._lines()
            # Each month and service in counting order, as the app lists them: sorting 50,000
            # lines by category and product name would cost the database more than the rest of
            # the query, and the file has filters to sort by any column.
            .order_by("count__month", "count__service__name", "count_id", "id")
            .values_list(
                "count__month",
                "count__service__name",
                "product__category__name",
                "product__name",
                "product__barcode",
                "product__sku",
                choice_labels("container_state", ContainerState.choices),
                "quantity",
                choice_labels("product__unit", UNIT_LABELS.items()),
                "product__min_quantity",
                "remaining_fraction",
                "remaining_quantity",
                "expiry_date",
                "lot",
                LINE_UNIT_COST,
                LINE_UNIT_PRICE,
                "product__vat_rate",
                value,
                excl,
                vat,
                incl,
            )
        )

    def _loss_queryset(self):
        """Each loss in its product's unit (500 mL of a product kept in litres is 0.5 L),
        beside the unit cost in that unit and its value."""
        losses = Loss.objects.filter(
            tenant=self.tenant,
            occurred_on__gte=self.options["start"],
            occurred_on__lt=next_month(self.options["end"]),
        )
        losses = visible_months(self._of_services(losses, "service"), tenant=self.tenant, month_field="occurred_on")
        return losses.order_by("occurred_on", "service__name", "id").values_list(
            "occurred_on",
            "service__name",
            "product__category__name",
            "product__name",
            "product_quantity",
            choice_labels("product__unit", UNIT_LABELS.items()),
            choice_labels("reason", LossReason.choices),
            "unit_cost",
            loss_value(self.tenant.currency),
            "note",
            "author__username",
        )

    def _summary_queryset(self):
        """Per month, service, category and unit (quantities of different units are never
        added): the sums of the lines' rounded amounts."""
        value, excl, vat, incl = self._sales()
        unpriced = Q(line_unit_price__isnull=True)
        return (
            self._lines()
            .annotate(line_unit_price=LINE_UNIT_PRICE)
            .values("count__month", "count__service__name", "product__category__name", "product__unit")
            .annotate(
                line_count=Count("id"),
                total_quantity=Sum(EFFECTIVE_QUANTITY),
                stock_value=Sum(value),
                sales_excl=Sum(excl),
                sales_vat=Sum(vat),
                sales_incl=Sum(incl),
                priced_value=Sum(value, filter=~unpriced),
                unpriced_value=Sum(value, filter=unpriced),
                unit_label=choice_labels("product__unit", UNIT_LABELS.items()),
            )
            .annotate(margin=Coalesce(F("sales_excl"), ZERO) - Coalesce(F("priced_value"), ZERO))
            .order_by(
                "count__month",
                "count__service__name",
                F("product__category__name").asc(nulls_last=True),
                "product__unit",
            )
            .values_list(
                "count__month",
                "count__service__name",
                "product__category__name",
                "unit_label",
                "line_count",
                "total_quantity",
                "stock_value",
                "sales_excl",
                "sales_vat",
                "sales_incl",
                "margin",
                "unpriced_value",
            )
        )
