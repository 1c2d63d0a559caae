"""How amounts and quantities leave the API: strings, rounded half up (never floats)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MILLI = Decimal("0.001")


def money(value) -> str:
    """An amount in the tenant's currency, to the cent."""
    return str(Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP))


def quantity(value) -> str:
    """A quantity, to the thousandth (grams of a kilogram, millilitres of a litre)."""
    return str(Decimal(value or 0).quantize(MILLI, rounding=ROUND_HALF_UP))
