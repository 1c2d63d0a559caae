"""The currencies a business may keep its accounts in, with their ISO 4217 minor units (the
digits an amount is rounded to: EUR 2, XOF 0), which amounts will be rounded to once, where
a line is valued."""

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
