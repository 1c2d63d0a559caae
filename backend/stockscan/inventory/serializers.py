from decimal import Decimal
from functools import cache

from django.db import models
from django.db.models import ExpressionWrapper, F, TextField, Value
from django.db.models.functions import Cast
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stockscan.core.fields import DecimalField, refuse_invisible_characters, require_whole_number
from stockscan.core.idempotency import IDEMPOTENCY_KEY_PATTERN
from stockscan.core.money import MINOR_UNITS, quantize_money
from stockscan.core.months import MONTH_SCHEMA, MonthField, format_month, parse_month
from stockscan.core.serializers import RoundedText, RowSerializer, TenantRelatedField, Text, ToChar
from stockscan.inventory.models import (
    Area,
    Category,
    ContainerState,
    CountLine,
    ExpiryKind,
    Loss,
    LossReason,
    Product,
    StockCount,
    UncountedPolicy,
    Unit,
)
from stockscan.orgs.tenancy.resolution import rows_visible_to_requester


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "service", "name", "created_at"]
        read_only_fields = fields


class CategoryWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, trim_whitespace=True, validators=[refuse_invisible_characters])


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "service", "name", "position", "created_at"]
        read_only_fields = fields


class AreaWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, trim_whitespace=True, validators=[refuse_invisible_characters])
    position = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, help_text="Order of the walk; at the end by default."
    )


class WarningSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.ChoiceField(choices=["RECOMMENDED_FIELD_MISSING", "BARCODE_CHECK_DIGIT", "DUPLICATE_NAME"])
    message = serializers.CharField(help_text="The warning in the request's language.")


class HidesPurchaseCosts:
    """A serializer whose `purchase_cost_fields` are null when the request's member may not see
    purchase costs (the view's context says so: `hide_purchase_costs`)."""

    purchase_cost_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("hide_purchase_costs"):
            for name in self.purchase_cost_fields:
                data[name] = None
        return data


SERVING_SIZE_HELP = (
    "Optional: what one serving is, in the product's unit (0.04 for a 4 cl shot of a spirit counted in litres). "
    "With serving_price, potential sales are the quantity / serving_size x serving_price."
)
SERVING_PRICE_HELP = "Optional: the selling price of one serving (entered as selling prices are: see the tenant's "
SERVING_PRICE_HELP += "prices_include_vat). Used for potential sales when serving_size is set."


class ProductSerializer(HidesPurchaseCosts, serializers.ModelSerializer):
    purchase_cost_fields = ("purchase_price",)
    category_name = serializers.CharField(source="category.name", read_only=True, default=None)

    class Meta:
        model = Product
        fields = [
            "id",
            "service",
            "category",
            "category_name",
            "name",
            "barcode",
            "sku",
            "unit",
            "purchase_price",
            "selling_price",
            "vat_rate",
            "serving_size",
            "serving_price",
            "min_quantity",
            "supplier",
            "brand",
            "notes",
            "archived",
            "default_area",
            "position",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "serving_size": {"help_text": SERVING_SIZE_HELP},
            "serving_price": {"help_text": SERVING_PRICE_HELP},
        }


class ProductWithWarningsSerializer(ProductSerializer):
    warnings = WarningSerializer(many=True, read_only=True)

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


def _stripped(value) -> str:
    return (value or "").strip()


class ProductWriteSerializer(serializers.Serializer):
    """Parses a product body; the service comes from the tenancy resolver, never from here."""

    name = serializers.CharField(max_length=200, validators=[refuse_invisible_characters])
    category = TenantRelatedField(Category, restrict=rows_visible_to_requester, allow_null=True, required=False)
    barcode = serializers.RegexField(r"^[0-9A-Za-z-]{1,64}$", allow_null=True, allow_blank=True, required=False)
    sku = serializers.CharField(max_length=64, allow_null=True, allow_blank=True, required=False)
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    purchase_price = DecimalField(max_digits=12, decimal_places=4, min_value=0, allow_null=True, required=False)
    selling_price = DecimalField(max_digits=12, decimal_places=4, min_value=0, allow_null=True, required=False)
    vat_rate = DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, allow_null=True, required=False)
    serving_size = DecimalField(
        max_digits=14,
        decimal_places=3,
        min_value=Decimal("0.001"),
        allow_null=True,
        required=False,
        help_text=SERVING_SIZE_HELP,
    )
    serving_price = DecimalField(
        max_digits=12, decimal_places=4, min_value=0, allow_null=True, required=False, help_text=SERVING_PRICE_HELP
    )
    min_quantity = DecimalField(max_digits=14, decimal_places=3, min_value=0, allow_null=True, required=False)
    supplier = serializers.CharField(
        max_length=120, allow_blank=True, required=False, validators=[refuse_invisible_characters]
    )
    brand = serializers.CharField(
        max_length=120, allow_blank=True, required=False, validators=[refuse_invisible_characters]
    )
    notes = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    archived = serializers.BooleanField(required=False)
    default_area = TenantRelatedField(
        Area, restrict=rows_visible_to_requester, allow_null=True, required=False, help_text="Where it is kept."
    )
    position = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, help_text="Its place on the shelf, in its area."
    )

    def validate_barcode(self, value):
        return _stripped(value)

    def validate_sku(self, value):
        return _stripped(value)


class StockCountSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = StockCount
        fields = [
            "id",
            "service",
            "service_name",
            "month",
            "status",
            "line_count",
            "uncounted",
            "closed_at",
            "closed_by",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "uncounted": {
                "help_text": "What the products left uncounted were taken to be at closing: zero (none left) or "
                "expected (as last month, written as estimated lines); empty while open."
            }
        }

    @extend_schema_field(MONTH_SCHEMA)
    def get_month(self, count) -> str:
        return format_month(count.month)


class StockCountDetailSerializer(StockCountSerializer):
    """One month, with where its checklist stands (`selectors.checklist.checklist_totals`)."""

    products_counted = serializers.IntegerField(read_only=True, help_text="Products counted this month.")
    products_to_count = serializers.IntegerField(
        read_only=True, help_text="Products of last month's count (still in the catalog) not counted yet."
    )

    class Meta(StockCountSerializer.Meta):
        fields = [*StockCountSerializer.Meta.fields, "products_counted", "products_to_count"]
        read_only_fields = fields


class StockCountStartSerializer(serializers.Serializer):
    month = MonthField(
        allow_blank=True,
        help_text="YYYY-MM, from 12 months before the business was created up to next month "
        "(else 400 MONTH_OUT_OF_RANGE). The month starts empty: its checklist is the service's catalogue, "
        "with last month's quantities.",
    )

    def validate_month(self, value):
        return parse_month(value)


class StockCountCloseSerializer(serializers.Serializer):
    uncounted = serializers.ChoiceField(
        choices=UncountedPolicy.choices,
        required=False,
        allow_blank=True,
        help_text="What the checklist's products not counted are: zero (none left) or expected (last month's "
        "quantity, written as estimated lines). Without it, uncounted products make a 409 UNCOUNTED_PRODUCTS.",
    )


class ChecklistItemSerializer(serializers.Serializer):
    """A product of the month's checklist (`selectors.checklist`), read from a row."""

    product = serializers.IntegerField(source="id")
    product_name = serializers.CharField(source="name")
    unit = serializers.CharField()
    barcode = serializers.CharField()
    position = serializers.IntegerField()
    area = serializers.IntegerField(source="default_area", allow_null=True, help_text="Its default area.")
    area_name = serializers.CharField(source="default_area__name", allow_null=True)
    expected = serializers.DecimalField(
        max_digits=24,
        decimal_places=3,
        allow_null=True,
        help_text="Last month's quantity (effective, in the product's unit); null if not counted last month.",
    )
    counted = serializers.SerializerMethodField(help_text="Whether it is counted this month.")
    counted_quantity = serializers.DecimalField(
        max_digits=24, decimal_places=3, allow_null=True, help_text="What is counted of it this month, or null."
    )

    def get_counted(self, row) -> bool:
        return row["counted_lines"] > 0


# What a count line's quantities mean (schema descriptions; the value uses the effective
# quantity, selectors.EFFECTIVE_QUANTITY).
QUANTITY_HELP = (
    "How many were counted, in the product's unit (containers for a product counted by the container). "
    "For an opened container, what is left is `remaining_fraction` or `remaining_quantity`."
)
REMAINING_FRACTION_HELP = (
    "Opened containers only: what is left of each, from 0 to 1 (0.5: half full); the effective quantity is "
    "quantity times remaining_fraction. An opened line gives this or `remaining_quantity`; null otherwise."
)
REMAINING_QUANTITY_HELP = (
    "Opened containers only: what is left, in the product's unit; it is then the effective quantity (instead "
    "of quantity). An opened line gives this or `remaining_fraction`; null otherwise."
)


class CountLineSerializer(HidesPurchaseCosts, serializers.ModelSerializer):
    """A count line as the API shows it, from a line of `selectors.count_line_list` (which
    annotates its effective quantity). The month's page reads its lines as rows instead
    (`count_line_rows`): it joins four tables per line."""

    purchase_cost_fields = ("unit_cost", "line_value")

    month = serializers.SerializerMethodField()
    area_name = serializers.CharField(source="area.name", read_only=True, default=None)
    unit_cost = serializers.DecimalField(
        source="line_unit_cost",
        max_digits=12,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="The product's purchase price while the month is open; the one frozen at closing once closed.",
    )
    unit_price = serializers.DecimalField(
        source="line_unit_price",
        max_digits=12,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="The product's selling price while the month is open; the one frozen at closing once closed.",
    )
    product_name = serializers.CharField(source="product.name", read_only=True)
    category_name = serializers.CharField(source="product.category.name", read_only=True, default=None)
    unit = serializers.CharField(source="product.unit", read_only=True)
    min_quantity = serializers.DecimalField(
        source="product.min_quantity", max_digits=14, decimal_places=3, read_only=True, allow_null=True
    )
    line_value = serializers.SerializerMethodField()

    class Meta:
        model = CountLine
        fields = [
            "id",
            "count",
            "month",
            "product",
            "product_name",
            "category_name",
            "unit",
            "min_quantity",
            "area",
            "area_name",
            "quantity",
            "container_state",
            "remaining_fraction",
            "remaining_quantity",
            "expiry_date",
            "expiry_kind",
            "lot",
            "unit_cost",
            "unit_price",
            "line_value",
            "estimated",
            "client_id",
            "counted_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "estimated": {"help_text": "Written by the closing at last month's quantity (uncounted: expected)."},
            "counted_by": {"help_text": "Who counted it last (the latest count wins); when: updated_at."},
            "quantity": {"help_text": QUANTITY_HELP},
            "remaining_fraction": {"help_text": REMAINING_FRACTION_HELP},
            "remaining_quantity": {"help_text": REMAINING_QUANTITY_HELP},
        }

    @extend_schema_field(MONTH_SCHEMA)
    def get_month(self, line) -> str:
        return format_month(line.count.month)

    @extend_schema_field(serializers.DecimalField(max_digits=20, decimal_places=3, allow_null=True))
    def get_line_value(self, line) -> str | None:
        return _line_value(line.effective_quantity, line.line_unit_cost, _currency(self.context))


def _currency(context: dict) -> str:
    return context["request"].tenant.currency


def _line_value(effective_quantity, unit_cost, currency: str) -> str | None:
    """The line's value rounded once to the currency's minor unit, as stats and exports
    round it (`selectors.valuation.line_value`)."""
    if unit_cost is None:
        return None
    return str(quantize_money(effective_quantity * unit_cost, currency))


# A line's unit cost and price are expressions (selectors.valuation): written as numeric(12,4),
# as their columns would be.
_COST_TYPE = models.DecimalField(max_digits=12, decimal_places=4)


def _cost_text(name: str):
    return Text(Cast(F(name), output_field=_COST_TYPE))


def _cost(value) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.0001")), "f")


_MONTH_TEXT = ToChar(F("count__month"), "YYYY-MM")
_NULL_TEXT = Value(None, output_field=TextField())


@cache
def count_line_rows(currency: str, *, hide_purchase_costs: bool) -> RowSerializer:
    """The month's lines as rows, their values rounded to `currency`; for a member who may not
    see purchase costs (CountLineSerializer's `purchase_cost_fields`), those are null, in
    Python and in PostgreSQL alike."""
    if hide_purchase_costs:
        return RowSerializer(
            CountLineSerializer,
            computed={
                "month": lambda row: format_month(row["count__month"]),
                "unit_cost": lambda row: None,
                "unit_price": lambda row: _cost(row["line_unit_price"]),
                "line_value": lambda row: None,
            },
            needs=("count__month", "line_unit_price"),
            database={
                "month": _MONTH_TEXT,
                "unit_cost": _NULL_TEXT,
                "unit_price": _cost_text("line_unit_price"),
                "line_value": _NULL_TEXT,
            },
        )
    # The line value as PostgreSQL writes it: round() takes ties away from zero, as
    # quantize_money() does.
    line_value_text = RoundedText(
        ExpressionWrapper(F("effective_quantity") * F("line_unit_cost"), output_field=models.DecimalField()),
        MINOR_UNITS[currency],
    )
    return RowSerializer(
        CountLineSerializer,
        computed={
            "month": lambda row: format_month(row["count__month"]),
            "unit_cost": lambda row: _cost(row["line_unit_cost"]),
            "unit_price": lambda row: _cost(row["line_unit_price"]),
            "line_value": lambda row: _line_value(row["effective_quantity"], row["line_unit_cost"], currency),
        },
        needs=("count__month", "effective_quantity", "line_unit_cost", "line_unit_price"),
        # The same fields written by PostgreSQL; a test compares both ways on the same lines.
        database={
            "month": _MONTH_TEXT,
            "unit_cost": _cost_text("line_unit_cost"),
            "unit_price": _cost_text("line_unit_price"),
            "line_value": line_value_text,
        },
    )


class CountLineWriteSerializer(serializers.Serializer):
    product = TenantRelatedField(Product, restrict=rows_visible_to_requester)
    quantity = DecimalField(max_digits=14, decimal_places=3, min_value=0, help_text=QUANTITY_HELP)
    container_state = serializers.ChoiceField(choices=ContainerState.choices, default=ContainerState.SEALED)
    remaining_fraction = DecimalField(
        max_digits=4,
        decimal_places=3,
        min_value=0,
        max_value=1,
        allow_null=True,
        required=False,
        help_text=REMAINING_FRACTION_HELP,
    )
    remaining_quantity = DecimalField(
        max_digits=14, decimal_places=3, min_value=0, allow_null=True, required=False, help_text=REMAINING_QUANTITY_HELP
    )
    expiry_date = serializers.DateField(allow_null=True, required=False)
    expiry_kind = serializers.ChoiceField(choices=ExpiryKind.choices, required=False)
    lot = serializers.CharField(max_length=64, allow_blank=True, required=False)
    area = TenantRelatedField(
        Area,
        restrict=rows_visible_to_requester,
        allow_null=True,
        required=False,
        help_text="Where it was counted; the product's default area when left out.",
    )

    def validate(self, attrs):
        product = attrs.get("product") or getattr(self.instance, "product", None)
        if product is not None and product.unit == Unit.PIECE:
            require_whole_number(attrs.get("quantity"), field="quantity")
        return attrs


class CountLineCreateSerializer(CountLineWriteSerializer):
    """Counting a line: the month's line of the same product, area, container state, lot and
    expiry date is set to this quantity (`mode: "set"`, the default: the latest count wins)
    or added to (`mode: "add"`, scan-to-add); otherwise a line is added (201)."""

    count = TenantRelatedField(StockCount, restrict=rows_visible_to_requester)
    mode = serializers.ChoiceField(
        choices=[("set", "set"), ("add", "add")],
        default="set",
        help_text="set: the quantity replaces the line's (a recount); add: it is added to it (scan-to-add).",
    )
    client_id = serializers.RegexField(IDEMPOTENCY_KEY_PATTERN, required=False)


class LossSerializer(HidesPurchaseCosts, serializers.ModelSerializer):
    purchase_cost_fields = ("unit_cost", "value")
    product_name = serializers.CharField(source="product.name", read_only=True)
    value = serializers.SerializerMethodField()

    class Meta:
        model = Loss
        fields = [
            "id",
            "service",
            "product",
            "product_name",
            "quantity",
            "unit",
            "product_quantity",
            "unit_cost",
            "value",
            "reason",
            "occurred_on",
            "note",
            "author",
            "client_id",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=20, decimal_places=3, allow_null=True))
    def get_value(self, loss) -> str | None:
        """Rounded to the currency's minor unit, as stats and exports round a loss."""
        if loss.unit_cost is None:
            return None
        return str(quantize_money(loss.product_quantity * loss.unit_cost, _currency(self.context)))


class LossWriteSerializer(serializers.Serializer):
    product = TenantRelatedField(Product, restrict=rows_visible_to_requester)
    quantity = DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    reason = serializers.ChoiceField(choices=LossReason.choices)
    occurred_on = serializers.DateField()
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False)

    def validate(self, attrs):
        product = attrs.get("product") or getattr(self.instance, "product", None)
        unit = attrs.get("unit") or getattr(self.instance, "unit", None) or getattr(product, "unit", None)
        if unit == Unit.PIECE:
            require_whole_number(attrs.get("quantity"), field="quantity")
        return attrs


class LossCreateSerializer(LossWriteSerializer):
    client_id = serializers.RegexField(IDEMPOTENCY_KEY_PATTERN, required=False)


AMOUNT_HELP = "An amount in the tenant's currency, rounded half up to its minor unit (EUR 0.01, XOF 1)."


def _amount(help_text: str = AMOUNT_HELP):
    return serializers.DecimalField(max_digits=24, decimal_places=3, help_text=help_text)


class _StatsQuantitySerializer(serializers.Serializer):
    unit = serializers.ChoiceField(choices=Unit.choices)
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)


def _quantities():
    return _StatsQuantitySerializer(
        many=True, help_text="Quantities per unit (pieces, kg and litres are never added together)."
    )


class _StatsUnpricedSerializer(serializers.Serializer):
    products = serializers.IntegerField()
    lines = serializers.IntegerField()
    stock_value = _amount("The stock value (HT) of the lines without a selling price.")


class _StatsGroupSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    products = serializers.IntegerField()
    quantities = _quantities()
    stock_value = _amount("The stock at purchase cost, excluding VAT: the sum of the lines, each rounded.")
    potential_sales_value = _amount("Potential sales of the priced lines, excluding VAT (HT).")
    potential_sales_vat = _amount("The VAT of the potential sales.")
    potential_sales_value_incl_vat = _amount("Potential sales of the priced lines, including VAT (TTC).")
    priced_stock_value = _amount("The stock value of the priced lines (what the margin is computed against).")
    potential_margin = _amount("potential_sales_value (HT) - priced_stock_value: priced lines only.")
    unpriced = _StatsUnpricedSerializer(help_text="Lines without a selling price, left out of sales and margin.")


class _StatsTotalsSerializer(_StatsGroupSerializer):
    pass


class _StatsCategorySerializer(_StatsGroupSerializer):
    category = serializers.IntegerField(allow_null=True)
    category_name = serializers.CharField(allow_null=True)


class _StatsReasonSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LossReason.choices)
    count = serializers.IntegerField()
    quantities = _quantities()
    value = _amount()


class _StatsLossesSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    quantities = _StatsQuantitySerializer(many=True, help_text="In each product's unit, per unit.")
    value = _amount("At purchase cost, excluding VAT.")
    by_reason = _StatsReasonSerializer(many=True)


class _StatsPreviousSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    quantities = _quantities()
    stock_value = _amount()
    losses_value = _amount()


class _StatsChangeSerializer(serializers.Serializer):
    quantities = _quantities()
    stock_value = _amount()
    stock_value_percent = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    losses_value = _amount()


class InventoryStatsSerializer(serializers.Serializer):
    """Documents the stats answer (built by inventory.stats, already formatted)."""

    month = MonthField()
    previous_month = MonthField()
    service = serializers.IntegerField(allow_null=True, help_text="The service's id, or null for all services.")
    currency = serializers.CharField(help_text="ISO 4217 code of every amount.")
    prices_include_vat = serializers.BooleanField(
        help_text="Whether the business enters selling prices including VAT (the tenant's setting)."
    )
    totals = _StatsTotalsSerializer()
    by_category = _StatsCategorySerializer(many=True)
    losses = _StatsLossesSerializer()
    previous = _StatsPreviousSerializer(allow_null=True, help_text="Null when the previous month is outside history.")
    change = _StatsChangeSerializer(allow_null=True)


class AlertSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("low_stock", "low_stock"), ("expiry", "expiry")])
    product = serializers.IntegerField()
    product_name = serializers.CharField()
    service = serializers.IntegerField()
    line = serializers.IntegerField(allow_null=True, help_text="The count line (expiry alerts).")
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)
    min_quantity = serializers.DecimalField(max_digits=24, decimal_places=3, allow_null=True)
    expiry_date = serializers.DateField(allow_null=True)
    expiry_kind = serializers.CharField(allow_blank=True)
    lot = serializers.CharField(allow_blank=True)
    days_left = serializers.IntegerField(allow_null=True)
    unit = serializers.ChoiceField(choices=Unit.choices, help_text="The unit of quantity and min_quantity.")
    value = serializers.CharField(
        allow_null=True,
        help_text=(
            "A decimal amount as a string, at purchase cost excl. VAT, rounded to the currency: the expiring "
            "line's value, or the counted value of the product running low. Null when the purchase cost is "
            "unknown or hidden from the member."
        ),
    )


# Why an alerts answer leaves a kind out (the error code a request for that kind answers).
ALERT_EXCLUSION_REASONS = [("FEATURE_NOT_INCLUDED", "FEATURE_NOT_INCLUDED")]


class AlertExclusionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("low_stock", "low_stock"), ("expiry", "expiry")])
    reason = serializers.ChoiceField(choices=ALERT_EXCLUSION_REASONS, help_text="Why this kind is not listed.")
    feature = serializers.CharField(help_text="The feature the plan lacks (e.g. alerts_expiry).")
    plan = serializers.CharField(help_text="The first plan that includes it (e.g. PRO).")


class AlertPageSerializer(serializers.Serializer):
    """A page of alerts, and the kinds the plan leaves out of every page."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AlertSerializer(many=True)
    excluded = AlertExclusionSerializer(
        many=True, help_text="Kinds of alert not included in the plan, so not listed (empty when none)."
    )


class ProductHistorySerializer(HidesPurchaseCosts, serializers.Serializer):
    purchase_cost_fields = ("stock_value",)
    month = MonthField()
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)
    stock_value = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)


class ProductLookupSerializer(ProductSerializer):
    history = ProductHistorySerializer(many=True, read_only=True)

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "history"]
        read_only_fields = fields
