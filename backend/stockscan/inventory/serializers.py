from decimal import Decimal

from django.db import models
from django.db.models import ExpressionWrapper, F, TextField, Value
from django.db.models.functions import Cast
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stockscan.core.decimals import money
from stockscan.core.fields import DecimalField, refuse_invisible_characters
from stockscan.core.idempotency import IDEMPOTENCY_KEY_PATTERN
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
    (`COUNT_LINE_ROWS`): it joins four tables per line."""

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

    @extend_schema_field(serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True))
    def get_line_value(self, line) -> str | None:
        return _line_value(line.effective_quantity, line.line_unit_cost)


def _line_value(effective_quantity, unit_cost) -> str | None:
    if unit_cost is None:
        return None
    return money(effective_quantity * unit_cost)


# The line value as PostgreSQL writes it: round() takes ties away from zero, as money() does.
_LINE_VALUE_TEXT = RoundedText(
    ExpressionWrapper(F("effective_quantity") * F("line_unit_cost"), output_field=models.DecimalField()), 2
)
# A line's unit cost and price are expressions (selectors.valuation): written as numeric(12,4),
# as their columns would be.
_COST_TYPE = models.DecimalField(max_digits=12, decimal_places=4)


def _cost_text(name: str):
    return Text(Cast(F(name), output_field=_COST_TYPE))


def _cost(value) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.0001")), "f")


_MONTH_TEXT = ToChar(F("count__month"), "YYYY-MM")
_NULL_TEXT = Value(None, output_field=TextField())

COUNT_LINE_ROWS = RowSerializer(
    CountLineSerializer,
    computed={
        "month": lambda row: format_month(row["count__month"]),
        "unit_cost": lambda row: _cost(row["line_unit_cost"]),
        "unit_price": lambda row: _cost(row["line_unit_price"]),
        "line_value": lambda row: _line_value(row["effective_quantity"], row["line_unit_cost"]),
    },
    needs=("count__month", "effective_quantity", "line_unit_cost", "line_unit_price"),
    # The same fields written by PostgreSQL; a test compares both ways on the same lines.
    database={
        "month": _MONTH_TEXT,
        "unit_cost": _cost_text("line_unit_cost"),
        "unit_price": _cost_text("line_unit_price"),
        "line_value": _LINE_VALUE_TEXT,
    },
)
# The same rows for a member who may not see purchase costs (CountLineSerializer's
# `purchase_cost_fields`): null, in Python and in PostgreSQL alike.
COUNT_LINE_ROWS_WITHOUT_COSTS = RowSerializer(
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

    @extend_schema_field(serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True))
    def get_value(self, loss) -> str | None:
        if loss.unit_cost is None:
            return None
        return money(loss.product_quantity * loss.unit_cost)


class LossWriteSerializer(serializers.Serializer):
    product = TenantRelatedField(Product, restrict=rows_visible_to_requester)
    quantity = DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    reason = serializers.ChoiceField(choices=LossReason.choices)
    occurred_on = serializers.DateField()
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class LossCreateSerializer(LossWriteSerializer):
    client_id = serializers.RegexField(IDEMPOTENCY_KEY_PATTERN, required=False)


class _StatsTotalsSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    products = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)
    stock_value = serializers.DecimalField(max_digits=24, decimal_places=2)
    potential_sales_value = serializers.DecimalField(max_digits=24, decimal_places=2)
    potential_margin = serializers.DecimalField(max_digits=24, decimal_places=2)


class _StatsCategorySerializer(serializers.Serializer):
    category = serializers.IntegerField(allow_null=True)
    category_name = serializers.CharField(allow_null=True)
    lines = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)
    stock_value = serializers.DecimalField(max_digits=24, decimal_places=2)
    potential_sales_value = serializers.DecimalField(max_digits=24, decimal_places=2)


class _StatsReasonSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LossReason.choices)
    count = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)
    value = serializers.DecimalField(max_digits=24, decimal_places=2)


class _StatsLossesSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)
    value = serializers.DecimalField(max_digits=24, decimal_places=2)
    by_reason = _StatsReasonSerializer(many=True)


class _StatsPreviousSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)
    stock_value = serializers.DecimalField(max_digits=24, decimal_places=2)
    losses_value = serializers.DecimalField(max_digits=24, decimal_places=2)


class _StatsChangeSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=24, decimal_places=3)
    stock_value = serializers.DecimalField(max_digits=24, decimal_places=2)
    stock_value_percent = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    losses_value = serializers.DecimalField(max_digits=24, decimal_places=2)


class InventoryStatsSerializer(serializers.Serializer):
    """Documents the stats answer (built by inventory.stats, already formatted)."""

    month = MonthField()
    previous_month = MonthField()
    service = serializers.IntegerField(allow_null=True, help_text="The service's id, or null for all services.")
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
