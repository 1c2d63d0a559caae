"""The unit cost and price a count line is valued at: while its month is open, the product's
current ones (one cost per product per month, whatever day a line was counted); once the
month is closed, the ones the closing froze on the line. Every read that values a line (the
month's lines, stats, alerts, exports) uses these expressions, so they never disagree.

A product sold by the serving (`serving_size` and `serving_price` both set: a 0.04 l shot of
a spirit counted in litres) has for unit price its serving's price per unit of the product
(`PRODUCT_UNIT_PRICE`); closing a month freezes that one on the line."""

from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Value, When
from django.db.models.functions import Coalesce, Round

from stockscan.core.money import MINOR_UNITS
from stockscan.inventory.models import CountStatus
from stockscan.inventory.selectors.quantities import EFFECTIVE_QUANTITY

AMOUNT = DecimalField(max_digits=24, decimal_places=6)


def product_unit_price(prefix: str = "product__") -> Case:
    """A product's selling price per unit of the product: its serving's price per unit when
    it is sold by the serving, else its selling price. `prefix`: the path to the product
    ("" on the product itself, as the closing's UPDATE reads it)."""
    return Case(
        When(
            **{f"{prefix}serving_size__gt": 0, f"{prefix}serving_price__isnull": False},
            # To the places of the line's frozen price (numeric(12,4)), so that closing a
            # month does not move its sales by a rounding.
            then=Round(
                ExpressionWrapper(
                    F(f"{prefix}serving_price") / F(f"{prefix}serving_size"),
                    output_field=DecimalField(max_digits=24, decimal_places=6),
                ),
                4,
                output_field=DecimalField(max_digits=24, decimal_places=6),
            ),
        ),
        default=F(f"{prefix}selling_price"),
        output_field=DecimalField(max_digits=24, decimal_places=6),
    )


PRODUCT_UNIT_PRICE = product_unit_price()
LINE_UNIT_COST = Case(
    When(count__status=CountStatus.CLOSED, then=F("unit_cost")),
    default=F("product__purchase_price"),
)
LINE_UNIT_PRICE = Case(
    When(count__status=CountStatus.CLOSED, then=F("unit_price")),
    default=PRODUCT_UNIT_PRICE,
    output_field=DecimalField(max_digits=24, decimal_places=6),
)


def rounded_amount(expression, currency: str) -> Round:
    """An amount computed in the database, rounded half up to the currency's minor unit at
    the line, as `core.money.quantize_money` rounds in Python (PostgreSQL's ROUND of a
    numeric and SQLite's round both round half away from zero; our amounts are never
    negative). Sums of these are the totals: an accountant's column sum equals them."""
    return Round(ExpressionWrapper(expression, output_field=AMOUNT), MINOR_UNITS[currency], output_field=AMOUNT)


def line_value(currency: str) -> Round:
    """A count line's stock value: its effective quantity at the line's unit cost."""
    return rounded_amount(EFFECTIVE_QUANTITY * LINE_UNIT_COST, currency)


def line_sales(currency: str) -> Round:
    """A count line's potential sales, as selling prices are entered (incl. or excl. VAT)."""
    return rounded_amount(EFFECTIVE_QUANTITY * LINE_UNIT_PRICE, currency)


def loss_value(currency: str) -> Round:
    """A loss's value: its quantity in the product's unit at the cost recorded with it."""
    return rounded_amount(F("product_quantity") * F("unit_cost"), currency)


def sales_split(sales, *, vat_rate, currency: str, prices_include_vat: bool) -> tuple:
    """(excl. VAT, VAT, incl. VAT) expressions of a line's rounded sales amount, each rounded
    once: the entered side is the line's amount, the other is derived from it and rounded,
    and the VAT is their difference, so HT + VAT = TTC on every line and in every total."""
    rate = Coalesce(vat_rate, Value(Decimal(0)), output_field=AMOUNT)
    if prices_include_vat:
        incl = sales
        excl = rounded_amount(sales * Value(Decimal(100)) / (Value(Decimal(100)) + rate), currency)
        return excl, ExpressionWrapper(incl - excl, output_field=AMOUNT), incl
    excl = sales
    vat = rounded_amount(sales * rate / Value(Decimal(100)), currency)
    return excl, vat, ExpressionWrapper(excl + vat, output_field=AMOUNT)
