from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext_lazy as _

from stockscan.core.models import TenantOwnedModel
from stockscan.orgs.presets import CountingMode

MONEY = {"max_digits": 12, "decimal_places": 4}
QUANTITY = {"max_digits": 14, "decimal_places": 3}


class Unit(models.TextChoices):
    PIECE = "pcs", _("pieces")
    KILOGRAM = "kg", _("kilograms")
    GRAM = "g", _("grams")
    LITRE = "l", _("litres")
    MILLILITRE = "ml", _("millilitres")


# Which units a service may count in, by its counting mode.
UNITS_BY_COUNTING_MODE: dict[str, frozenset[str]] = {
    CountingMode.UNIT: frozenset({Unit.PIECE}),
    CountingMode.WEIGHT: frozenset({Unit.KILOGRAM, Unit.GRAM}),
    CountingMode.VOLUME: frozenset({Unit.LITRE, Unit.MILLILITRE}),
    CountingMode.MIXED: frozenset(Unit.values),
}


class Category(TenantOwnedModel):
    service = models.ForeignKey("orgs.Service", on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint("service", Lower("name"), name="inventory_category_unique_name_per_service"),
        ]

    def __str__(self):
        return self.name


class Area(TenantOwnedModel):
    """Where a service's stock is counted (réserve, frigo, bar, cave…), in the order the team
    walks through them: the month's checklist follows it."""

    service = models.ForeignKey("orgs.Service", on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint("service", Lower("name"), name="inventory_area_unique_name_per_service"),
        ]

    def __str__(self):
        return self.name


class Product(TenantOwnedModel):
    """A catalog item of one service. Monthly counts refer to it; it is archived, not
    deleted, once it has history."""

    service = models.ForeignKey("orgs.Service", on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    barcode = models.CharField(max_length=64, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.PIECE)
    purchase_price = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    selling_price = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    vat_rate = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # Sold by the serving rather than as counted (a spirit bought by the 0.7 l bottle, sold by
    # the 0.04 l shot): the serving in the product's unit and its price. With both set, the
    # potential sales of a line are its quantity / serving_size x serving_price.
    serving_size = models.DecimalField(
        _("serving size"), **QUANTITY, null=True, blank=True, validators=[MinValueValidator(Decimal("0.001"))]
    )
    serving_price = models.DecimalField(
        _("price per serving"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    min_quantity = models.DecimalField(**QUANTITY, null=True, blank=True, validators=[MinValueValidator(0)])
    supplier = models.CharField(max_length=120, blank=True)
    brand = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    archived = models.BooleanField(default=False)
    # Where it is kept and its place on the shelf: the order of the month's checklist.
    default_area = models.ForeignKey(Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="products")
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "barcode"],
                condition=~Q(barcode=""),
                name="inventory_product_unique_barcode",
            ),
            models.UniqueConstraint(
                fields=["service", "sku"], condition=~Q(sku=""), name="inventory_product_unique_sku"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "barcode"], name="inventory_product_barcode_idx"),
            models.Index(fields=["service", "archived", "name"], name="inventory_product_list_idx"),
        ]

    def __str__(self):
        return self.name


class SkuSequence(TenantOwnedModel):
    """The last internal SKU number given in a service: numbers only go up, so a SKU is
    never given twice, even after its product is deleted."""

    service = models.OneToOneField("orgs.Service", on_delete=models.CASCADE, related_name="sku_sequence")
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("SKU sequence")
        verbose_name_plural = _("SKU sequences")

    def __str__(self):
        return f"{self.service_id}: {self.last_value}"


class CountStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class UncountedPolicy(models.TextChoices):
    """What the products of the checklist left uncounted were taken to be when the month closed."""

    ZERO = "zero", _("None left")
    EXPECTED = "expected", _("As last month")


class StockCount(TenantOwnedModel):
    """One service's inventory for one month. Closed months are read-only until an owner or
    manager reopens them."""

    service = models.ForeignKey("orgs.Service", on_delete=models.CASCADE, related_name="counts")
    month = models.DateField(help_text=_("First day of the month counted."))
    status = models.CharField(max_length=8, choices=CountStatus.choices, default=CountStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How many lines the month holds, kept by the services that add and remove lines (under
    # this row's lock): the month's pages give their total without counting the lines again.
    line_count = models.PositiveIntegerField(default=0, editable=False)
    uncounted = models.CharField(max_length=8, choices=UncountedPolicy.choices, blank=True)

    class Meta:
        ordering = ["-month", "service_id"]
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        constraints = [models.UniqueConstraint(fields=["service", "month"], name="inventory_count_unique_month")]
        indexes = [models.Index(fields=["tenant", "month"], name="inventory_count_month_idx")]

    def __str__(self):
        return f"{self.service_id} {self.month:%Y-%m}"


class ContainerState(models.TextChoices):
    SEALED = "SEALED", _("Sealed")
    OPENED = "OPENED", _("Opened")


class ExpiryKind(models.TextChoices):
    DLC = "DLC", _("Use by (DLC)")
    DDM = "DDM", _("Best before (DDM)")


# A line's identity in its month: counting the same thing again sets its quantity. An area
# and an expiry date may be missing (NULL), which must still be one identity.
NO_AREA = Value(0)
NO_EXPIRY = Value(date(1, 1, 1))
LINE_IDENTITY = ("product", "area", "container_state", "lot", "expiry_date")


class CountLine(TenantOwnedModel):
    """A counted quantity of one product in one month. Its costs are frozen on it when the
    month closes (`selectors.valuation`), so that last year's value does not move when a
    price changes; while the month is open they are null and the product's are used."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="count_lines")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="count_lines")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(0)])
    container_state = models.CharField(max_length=8, choices=ContainerState.choices, default=ContainerState.SEALED)
    # An opened container: what is left, as a fraction of each container or as a quantity
    # in the product's unit (exactly one of the two).
    remaining_fraction = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    remaining_quantity = models.DecimalField(**QUANTITY, null=True, blank=True, validators=[MinValueValidator(0)])
    expiry_date = models.DateField(null=True, blank=True)
    expiry_kind = models.CharField(max_length=3, choices=ExpiryKind.choices, default=ExpiryKind.DLC)
    lot = models.CharField(max_length=64, blank=True)
    unit_cost = models.DecimalField(**MONEY, null=True, blank=True)
    unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    # The client's id for this line (body `client_id` or the Idempotency-Key header): a
    # phone resending the same line on a flaky network gets the first one back.
    client_id = models.CharField(max_length=64, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Written by the closing for a product left uncounted, at last month's quantity.
    estimated = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        constraints = [
            models.UniqueConstraint(
                fields=["count", "client_id"], condition=~Q(client_id=""), name="inventory_line_idempotent"
            ),
            models.UniqueConstraint(
                F("count"),
                F("product"),
                Coalesce("area", NO_AREA, output_field=models.BigIntegerField()),
                F("container_state"),
                F("lot"),
                Coalesce("expiry_date", NO_EXPIRY),
                name="inventory_line_identity",
            ),
        ]
        indexes = [
            models.Index(fields=["count", "product"], name="inventory_line_product_idx"),
            models.Index(fields=["count", "id"], name="inventory_line_order_idx"),
        ]

    def __str__(self):
        return f"{self.product_id}: {self.quantity}"


class CountLineWrite(TenantOwnedModel):
    """A retry-safe write of a count line (body `client_id` or `Idempotency-Key`): counting again
    sets or adds to an existing line, so the line cannot carry every key that changed it. The
    first write of a key is applied and recorded here; the same key again answers the line."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(CountLine, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=64)
    request = models.JSONField(help_text=_("What the write asked, to tell a retry from a reused key."))

    class Meta:
        verbose_name = _("count line write")
        verbose_name_plural = _("count line writes")
        constraints = [
            models.UniqueConstraint(fields=["count", "client_id"], name="inventory_line_write_once"),
        ]

    def __str__(self):
        return f"{self.count_id}: {self.client_id}"


class LossReason(models.TextChoices):
    BREAKAGE = "breakage", _("Breakage")
    EXPIRED = "expired", _("Expired")
    THEFT = "theft", _("Theft")
    FREE = "free", _("Given away")
    MISTAKE = "mistake", _("Mistake")
    OTHER = "other", _("Other")


# How many of the product's unit one unit of a loss is (a loss in grams of a product kept
# in kilograms…). Units of different kinds do not convert.
UNIT_FACTORS: dict[tuple[str, str], Decimal] = {
    (Unit.GRAM, Unit.KILOGRAM): Decimal("0.001"),
    (Unit.KILOGRAM, Unit.GRAM): Decimal("1000"),
    (Unit.MILLILITRE, Unit.LITRE): Decimal("0.001"),
    (Unit.LITRE, Unit.MILLILITRE): Decimal("1000"),
}


def unit_factor(loss_unit: str, product_unit: str) -> Decimal | None:
    if loss_unit == product_unit:
        return Decimal(1)
    return UNIT_FACTORS.get((loss_unit, product_unit))


class Loss(TenantOwnedModel):
    """Stock that left without being sold: broken, expired, stolen, given away…"""

    service = models.ForeignKey("orgs.Service", on_delete=models.CASCADE, related_name="losses")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="losses")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(0)])
    unit = models.CharField(max_length=8, choices=Unit.choices)
    # The quantity in the product's unit when it was recorded, and the cost of that day.
    product_quantity = models.DecimalField(**QUANTITY)
    unit_cost = models.DecimalField(**MONEY, null=True, blank=True)
    reason = models.CharField(max_length=16, choices=LossReason.choices)
    occurred_on = models.DateField()
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    client_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("loss")
        verbose_name_plural = _("losses")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "client_id"], condition=~Q(client_id=""), name="inventory_loss_idempotent"
            ),
        ]
        indexes = [models.Index(fields=["service", "occurred_on"], name="inventory_loss_month_idx")]

    def __str__(self):
        return f"{self.product_id}: -{self.quantity} {self.unit} ({self.reason})"
