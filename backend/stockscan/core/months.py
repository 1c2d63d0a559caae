"""Inventory months travel as `YYYY-MM` and are stored as the first day of the month."""

import re
from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from stockscan.core.errors import ApiError, ErrorCode

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# What the schema says of every month, parameter or field: what parse_month accepts.
MONTH_PATTERN = r"^(20\d{2}|2100)-(0[1-9]|1[0-2])$"
MONTH_SCHEMA = {"type": "string", "pattern": MONTH_PATTERN, "example": "2026-03"}


@extend_schema_field(MONTH_SCHEMA)
class MonthField(serializers.CharField):
    """A `YYYY-MM` month in a body or an answer (the schema says its pattern)."""


def month_parameter(name: str = "month", *, required: bool = False, description: str = "YYYY-MM") -> OpenApiParameter:
    """A `YYYY-MM` query parameter, with its pattern in the schema."""
    return OpenApiParameter(name, OpenApiTypes.STR, required=required, pattern=MONTH_PATTERN, description=description)


class InvalidMonth(ApiError):
    error_code = ErrorCode.INVALID_MONTH
    default_detail = _("A month is written YYYY-MM, e.g. 2026-03.")


def parse_month(raw) -> date:
    match = _MONTH.match(str(raw).strip()) if raw is not None else None
    if not match:
        raise InvalidMonth()
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise InvalidMonth()
    return date(year, month, 1)


def format_month(month: date) -> str:
    return f"{month:%Y-%m}"


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)
