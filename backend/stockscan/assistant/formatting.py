"""How a fact's value is written in a sentence, in the request's language: French
"1 234,50 €" and "12,5 %", English "€1,234.50" and "12.5%". The grounding check reads
numbers back from either form (services/grounding.py)."""

from decimal import Decimal

from django.utils import translation

from stockscan.assistant.selectors.facts import PERCENT, Fact
from stockscan.core.money import MINOR_UNITS

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "XOF": "F CFA", "XAF": "F CFA", "XPF": "F CFP"}
_PREFIXED_IN_ENGLISH = {"EUR", "USD", "GBP"}
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def _french() -> bool:
    return (translation.get_language() or "fr").startswith("fr")


def format_number(value: Decimal, *, places: int | None = None) -> str:
    value = Decimal(value)
    if places is None:
        text = f"{value.normalize():f}"
        integer, _, decimals = text.partition(".")
    else:
        text = f"{value:.{places}f}"
        integer, _, decimals = text.partition(".")
    sign = "-" if integer.startswith("-") else ""
    digits = integer.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    french = _french()
    body = (NARROW_NBSP if french else ",").join(groups)
    if decimals:
        body += ("," if french else ".") + decimals
    return sign + body


def format_money(amount: Decimal, currency: str) -> str:
    number = format_number(amount, places=MINOR_UNITS.get(currency, 2))
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if not _french() and currency in _PREFIXED_IN_ENGLISH:
        return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"
    return f"{number}{NBSP}{symbol}"


def format_fact(fact: Fact, currency: str) -> str:
    if fact.unit == currency:
        return format_money(fact.value, currency)
    if fact.unit == PERCENT:
        number = format_number(fact.value)
        return f"{number}{NARROW_NBSP}%" if _french() else f"{number}%"
    return format_number(fact.value)
