"""The currencies a business may keep its accounts in, with their ISO 4217 minor units (the
digits an amount is rounded to: EUR 2, XOF 0), which amounts will be rounded to once, where
a line is valued."""

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


def minor_unit_quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: 0.01 for EUR, 1 for XOF, 0.001 for TND."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """An amount rounded half up to the currency's minor unit, the one rounding every amount
    gets once (at the line): totals are sums of rounded amounts, so a column summed by an
    accountant equals the total we show."""
    return Decimal(amount).quantize(minor_unit_quantum(currency), rounding=ROUND_HALF_UP)
