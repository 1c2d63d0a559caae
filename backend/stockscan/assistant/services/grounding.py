"""What the model wrote is checked before anyone reads it: the fact ids it cites exist, the
actions it picked are among those offered, no link or address appears (the only links of an
answer are our own actions' routes), and every number in its text is one of the facts'
values — as formatted, to the rounding of the digits written (so "1 235 €" stands for
1 234,50 €) — or a number of the month itself. Otherwise the answer is the fallback."""

import re
from decimal import Decimal, InvalidOperation

from stockscan.assistant.errors import FallbackReason
from stockscan.assistant.services.model import ModelAnswer, ModelFailure

# A number as people write it: 1234, 1 234,50 (spaces, no-break or narrow no-break spaces
# between groups of three), 1,234.50, 12.5, -3.
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d[\d.,]*\d|\d")
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)|\b[a-z0-9-]+\.(?:com|net|org|io|fr|ai|co|app|dev|info|biz|xyz)\b")


def _decimal(token: str) -> Decimal | None:
    token = re.sub(r"[ \u00a0\u202f]", "", token)
    if "," in token and "." in token:
        decimal_mark = "," if token.rfind(",") > token.rfind(".") else "."
        token = token.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif token.count(",") > 1 or token.count(".") > 1:
        token = token.replace(",", "").replace(".", "")
    elif "," in token:
        whole, _, part = token.partition(",")
        # "1,234" in an English sentence is a thousand; "12,5" a French decimal.
        token = whole + part if len(part) == 3 and len(whole) <= 3 and whole != "0" else f"{whole}.{part}"
    try:
        return Decimal(token)
    except InvalidOperation:
        return None


def _places(token: str) -> int:
    token = re.sub(r"[ \u00a0\u202f]", "", token)
    for mark in (",", "."):
        if mark in token:
            whole, _, part = token.rpartition(mark)
            if len(part) != 3 or (whole and len(whole) > 3):
                return len(part)
    return 0


def numbers_in(text: str) -> list[tuple[Decimal, int]]:
    found = []
    for match in _NUMBER.finditer(text):
        token = match.group(0).rstrip(".,")
        number = _decimal(token)
        if number is not None:
            found.append((number, _places(token)))
    return found


def is_grounded(number: Decimal, places: int, allowed: set[Decimal]) -> bool:
    tolerance = Decimal("0.5") * Decimal(10) ** -places
    return any(abs(number - value) <= tolerance for value in allowed)


def grounded_values(facts: dict, extra: tuple = ()) -> set[Decimal]:
    values = {abs(fact.value) for fact in facts.values()}
    values.update(Decimal(value) for value in extra)
    return values


def _without_names(text: str, names: list[str]) -> str:
    """The text without the names of the facts (products, categories, the service): "Coca 33cl"
    or "Farine T55" are names, not figures."""
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = text.replace(name, " ")
    return text


def check_answer(
    answer: ModelAnswer, *, facts: dict, offered_actions: set[str], extra_numbers: tuple = (), names: list[str] = ()
) -> None:
    """Raises ModelFailure (AI_INVALID_OUTPUT or AI_UNGROUNDED) if the answer cannot be shown."""
    texts = [answer.message, answer.question or ""]
    for insight in answer.insights:
        texts += [insight.title, insight.detail]
        if not insight.facts or any(fact_id not in facts for fact_id in insight.facts):
            raise ModelFailure(FallbackReason.AI_UNGROUNDED)
    if len(set(answer.action_ids)) != len(answer.action_ids) or not set(answer.action_ids) <= offered_actions:
        raise ModelFailure(FallbackReason.AI_INVALID_OUTPUT)
    if any(_LINK.search(text) for text in texts):
        raise ModelFailure(FallbackReason.AI_INVALID_OUTPUT)
    allowed = grounded_values(facts, extra_numbers)
    for text in texts:
        for number, places in numbers_in(_without_names(text, list(names))):
            if not is_grounded(number, places, allowed):
                raise ModelFailure(FallbackReason.AI_UNGROUNDED)
