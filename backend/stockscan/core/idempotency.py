"""Retry-safe writes. A client names a write with a key (a body's `client_id`, or the
`Idempotency-Key` header): the write is applied once, and the same write sent again answers
the first one; the key sent again with different content is refused (409
IDEMPOTENCY_KEY_REUSED), since it can only be a client bug.

One lock strategy for every caller: the database's unique constraint over the write's scope
and its key (e.g. a month's count and `client_id`). The first write inserts its row; a
concurrent retry's insert waits on that index entry until the first commits, then fails, and
the retry answers the row it now sees. So a model made retry-safe declares that constraint.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError, Conflict, ErrorCode

# Up to 64 of A-Z a-z 0-9 _ . : - (a UUID fits): the key is stored, never cut short, since
# cutting two longer keys could make two different writes look like one.
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
IDEMPOTENCY_HEADER = "Idempotency-Key"

Row = TypeVar("Row", bound=models.Model)


class InvalidIdempotencyKey(ApiError):
    error_code = ErrorCode.INVALID_IDEMPOTENCY_KEY
    default_detail = _("Idempotency-Key: up to 64 letters, digits and the signs _ . : -")


class IdempotencyKeyReused(Conflict):
    error_code = ErrorCode.IDEMPOTENCY_KEY_REUSED
    default_detail = _("This idempotency key was already used for a different write.")


def idempotency_key(*, body_key: str, header_key: str | None) -> str:
    """The write's key: the body's (already validated by its serializer), else the header's,
    checked here; "" when the client sent none."""
    if body_key:
        return body_key
    key = (header_key or "").strip()
    if key and not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise InvalidIdempotencyKey()
    return key


def idempotent_create(
    *, key: str, previous: models.QuerySet, fields: Mapping[str, Any], create: Callable[[], Row]
) -> tuple[Row, bool]:
    """`create()` once per key: returns (row, True) when it ran, (the first row, False) for a
    retry. `previous`: the rows of the write's scope (tenant and e.g. month) holding this key,
    at most one by the unique constraint; `fields`: what the write sets, which a previous row
    must hold to be this very write. Runs inside the caller's transaction; without a key, the
    write is simply applied."""
    if not key:
        return create(), True
    existing = previous.first()
    if existing is None:
        try:
            with transaction.atomic():
                return create(), True
        except IntegrityError:
            # A concurrent retry inserted the key first (or another constraint failed: then
            # there is no previous row, and the error stands).
            existing = previous.first()
            if existing is None:
                raise
    if any(getattr(existing, name) != value for name, value in fields.items()):
        raise IdempotencyKeyReused()
    return existing, False
