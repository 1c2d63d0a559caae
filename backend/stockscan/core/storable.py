"""What PostgreSQL can keep of text that came from outside: no NUL character (in text or
jsonb) and no lone surrogate (in any encoding). JSON can escape both, so a webhook body may
hold them; each is replaced by U+FFFD or the value refused, never a 500 at the insert."""


def _unstorable(char: str) -> bool:
    return char == "\x00" or "\ud800" <= char <= "\udfff"


def is_storable_text(text: str) -> bool:
    return not any(_unstorable(char) for char in text)


def storable_text(text: str) -> str:
    return text if is_storable_text(text) else "".join("\ufffd" if _unstorable(char) else char for char in text)


def storable(value):
    """A decoded JSON value with every string (keys included) made storable."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value
