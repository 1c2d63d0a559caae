"""The exporter contract, after pretix's exporters: an identifier, validated options, sheets
whose rows are streamed from the database, and one renderer per file format (`rendering`).
A new export is one `Exporter` subclass decorated with `@register`; the routes, quotas,
audit and emailed exports work with any of them.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from django.db import models

from stockscan.entitlements.plans import Metric


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


CONTENT_TYPES = {
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# The monthly quota each format draws on.
QUOTA_METRICS = {FileFormat.CSV: Metric.EXPORT_CSV, FileFormat.XLSX: Metric.EXPORT_XLSX}


class ColumnKind(StrEnum):
    """What a column holds: decides the CSV text and the XLSX cell type and number format."""

    TEXT = "text"
    INTEGER = "integer"
    QUANTITY = "quantity"
    PRICE = "price"  # a unit price: kept to its stored precision (up to 4 decimals)
    MONEY = "money"  # an amount, rounded to the currency's minor unit at the line; summed
    RATE = "rate"  # a percentage as typed (a VAT rate: 5.5 for 5.5 %)
    FRACTION = "fraction"
    DATE = "date"
    MONTH = "month"


@dataclass(frozen=True)
class Column:
    header: str  # a lazy translation, rendered in the language of the export
    kind: ColumnKind = ColumnKind.TEXT
    width: int = 14
    # Whether the totals row sums it; by default amounts and counts are summed. A running
    # balance is an amount that is not.
    total: bool | None = None

    @property
    def summed(self) -> bool:
        """Whether the sheet's totals row sums this column: amounts and counts. Quantities are
        not (a sheet mixes pieces, kilograms and litres), nor unit prices."""
        if self.total is not None:
            return self.total
        return self.kind in (ColumnKind.MONEY, ColumnKind.INTEGER)


@dataclass
class Sheet:
    """A table of the export. `rows` yields one tuple per row, in column order, straight from
    the database (`values_list(...).iterator()`): it is consumed once, never held whole.
    The renderer records how many rows it wrote in `row_count`, and ends the sheet with a
    totals row: `total_label` in the first column, the sum of every summed column (sums of
    the rounded amounts the rows show, so a column summed by hand gives the same figure); a
    sheet with no summed column (a statement, whose last row is its closing balance) has none."""

    key: str  # a stable name for the audit: "inventory", "losses"…
    name: str  # the translated sheet name
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    row_count: int = 0
    total_label: str = "Total"
    currency: str = "EUR"  # the tenant's: the decimals of the amounts in a CSV
    # The queryset `rows` iterates (values_list, in column order), when there is one: on
    # PostgreSQL a CSV is then written by the database itself (`rendering.csv_chunks`).
    query: Any = None


class Exporter:
    """One kind of export. `options` arrive as strings (a query string, or the options an
    emailed export stored); `clean_options` validates them for this tenant and member and
    raises the API's 4xx errors. A CSV holds the first sheet; an XLSX holds them all."""

    identifier: ClassVar[str]

    def __init__(self, *, tenant, membership, options: Mapping[str, Any]):
        self.tenant = tenant
        self.membership = membership
        self.options = self.clean_options(options)

    def clean_options(self, raw: Mapping[str, Any]) -> dict:
        raise NotImplementedError

    def stored_options(self) -> dict[str, str]:
        """The options as strings that `clean_options` accepts again: kept by an emailed
        export, whose task validates them anew, and written in the audit."""
        raise NotImplementedError

    def sheets(self, file_format: FileFormat) -> list[Sheet]:
        raise NotImplementedError

    def readable_by(self, membership) -> bool:
        """Whether this member may see everything the export holds (an emailed export's
        recipients must)."""
        raise NotImplementedError

    def filename_parts(self) -> list[str]:
        """What names the file after `stockscan_`: e.g. the tenant, the service, the months."""
        raise NotImplementedError

    def description(self) -> str:
        """A short human description (the email's subject): period and service."""
        raise NotImplementedError


EXPORTERS: dict[str, type[Exporter]] = {}


def register(exporter: type[Exporter]) -> type[Exporter]:
    if exporter.identifier in EXPORTERS:
        raise ValueError(f"Two exporters are named {exporter.identifier!r}.")
    EXPORTERS[exporter.identifier] = exporter
    return exporter


def exporter_class(identifier: str) -> type[Exporter]:
    return EXPORTERS[identifier]
