"""The API's one JSON parser: DRF's, with the nesting depth of a body bounded.

Python's json module decodes nested arrays and objects recursively: a body of a few
kilobytes nested a thousand deep (`{"a":[[[[…]]]]}`) raises RecursionError, which DRF does
not catch — a 500 with a traceback, on any route, before any throttle or permission. Here
that error is a malformed body, and so is any body nested deeper than MAX_JSON_DEPTH (no
body of this API nests more than a few levels), so no view ever receives one.
"""

import codecs

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

from stockscan.core.fields import ExponentNumber

MAX_JSON_DEPTH = 32


def json_depth(value, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep arrays and objects nest in a decoded JSON value, counted without recursion
    and no further than `limit` + 1."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse_json_float(text: str) -> float:
    """A JSON number with a fraction or an exponent, as the float json would make of it;
    marked when it was written with an exponent."""
    return ExponentNumber(text) if "e" in text or "E" in text else float(text)


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser (same media type, charset checks and strictness), refusing bodies
    nested deeper than MAX_JSON_DEPTH with the ParseError every malformed body gets (400
    MALFORMED_JSON).

    A number written with an exponent (`1e3`) is kept as an `ExponentNumber`, so that the
    decimal fields can refuse it (core.fields.DecimalField) instead of reading 1000."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        refusal = f"JSON parse error - nested deeper than {self.max_depth} levels"
        encoding = get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=json.strict_constant if self.strict else None,
                parse_float=parse_json_float,
            )
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError(refusal) from None
        if json_depth(data, self.max_depth) > self.max_depth:
            raise ParseError(refusal)
        return data
