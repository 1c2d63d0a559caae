"""Money in a tenant's currency: each currency's ISO 4217 minor unit, and rounding to it.

An amount is rounded half up to its currency's minor unit once, where a line is valued;
totals are sums of rounded lines, so every place that shows a figure shows the same one.
"""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies our businesses trade in (France and its overseas
# territories, French-speaking Africa and the Indian Ocean, and the usual foreign ones).
MINOR_UNITS: dict[str, int] = {
    "EUR": 2,
    "XOF": 0,  # franc CFA (BCEAO): Senegal, Côte d'Ivoire, Mali, Burkina Faso, Benin, Togo, Niger…
    "XAF": 0,  # franc CFA (BEAC): Cameroon, Gabon, Congo, Chad…
    "XPF": 0,  # franc CFP: New Caledonia, French Polynesia
    "GNF": 0,
    "KMF": 0,
    "DJF": 0,
    "BIF": 0,
    "RWF": 0,
    "CDF": 2,
    "MGA": 2,
    "MAD": 2,
    "DZD": 2,
    "TND": 3,
    "MUR": 2,
    "MRU": 2,
    "HTG": 2,
    "CHF": 2,
    "CAD": 2,
    "USD": 2,
    "GBP": 2,
}
CURRENCIES: tuple[str, ...] = tuple(sorted(MINOR_UNITS))


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01") for EUR, Decimal("1") for XOF."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def round_money(amount, currency: str) -> Decimal:
    return Decimal(amount or 0).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)
