"""The API's one JSON parser: DRF's, with the nesting depth of a body bounded.

Python's json module parses nested arrays and objects recursively: a body of a few
kilobytes nested a thousand deep (`{"a":[[[[…]]]]}`) raises RecursionError, which DRF does
not catch — a 500 with a traceback, on any route, before any throttle or permission. No
body of this API nests more than a few levels, so anything deeper than MAX_JSON_DEPTH is
refused as malformed before the json module sees it.
"""

import codecs
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

MAX_JSON_DEPTH = 32

# A JSON string (its brackets are text, not nesting) or one bracket.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `text` opens more than `limit` arrays or objects inside one another. Linear
    and without recursion; malformed text is left for the parser to refuse."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser (same media type, same strictness), refusing bodies nested deeper
    than MAX_JSON_DEPTH with the ParseError every malformed body gets (400 MALFORMED_JSON)."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(text, self.max_depth):
            raise ParseError(f"JSON parse error - nested deeper than {self.max_depth} levels")
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
