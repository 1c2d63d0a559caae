"""Sheets to files: CSV as a stream of byte chunks, XLSX written by xlsxwriter in constant
memory (one row in memory at a time; the file is assembled from temporary files on disk).

Both keep text from becoming a formula. In CSV a text cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return would be read by a spreadsheet as a formula
(`=HYPERLINK(...)`, `@SUM(...)`), so it is written with a leading `'` (`neutralise`). In
XLSX every text is a string cell, which a spreadsheet never evaluates whatever it starts
with, so it is written as typed: a `'` there would be shown as part of the text.

Every sheet ends with a totals row (see `Sheet`): the sums of its amount and count columns,
added up from the values written above them. Amounts arrive rounded to the currency's
minor unit (the exporter rounds each line in SQL), so the XLSX cells, the CSV text, the
totals and the API's figures are the same numbers.

Barcodes are text in both formats. In XLSX they are string cells, so a spreadsheet never
shows an EAN-13 as 3.76E+12. In CSV they are written as the digits themselves, with no
`="…"` or apostrophe trick (which accounting software importing the file would keep as part
of the code): a CSV is for importing; to open the file in Excel, use the XLSX, or import the
CSV with the barcode column typed as text.
"""

import contextlib
import csv
import functools
import io
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

import psycopg
import xlsxwriter
from django.db import connection
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from stockscan.core.decimals import MILLI
from stockscan.core.money import MINOR_UNITS, minor_unit_quantum
from stockscan.exports.base import Column, ColumnKind, Sheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"
# A CSV chunk is sent once it holds this many characters: big enough for few writes, small
# enough that the first bytes leave quickly and memory stays flat.
CSV_CHUNK_CHARS = 64 * 1024


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


# --- CSV


@functools.cache
def _month(value) -> str:
    # An export holds few months and many rows: each month is formatted once.
    return f"{value:%Y-%m}"


def _csv_formatters(point: str, currency: str) -> dict[ColumnKind, Callable]:
    """How the CSV writes the cells that are not text, `point` being the decimal separator.
    Other values go to the csv module as they are (None is an empty cell, a date its ISO
    form)."""

    def rounded(quantum: Decimal) -> Callable:
        return lambda value: str(value.quantize(quantum, rounding=ROUND_HALF_UP)).replace(".", point)

    def price(value: Decimal) -> str:
        """A unit price to its stored precision, at least to the cent: 18.90, 0.6333."""
        text = str(value)
        if "E" in text:  # str() writes 1E+2 for some values; the fixed-point form is slower
            text = f"{value:f}"
        units, _, decimals = text.partition(".")
        return f"{units}{point}{decimals.rstrip('0'):0<2}"

    return {
        ColumnKind.QUANTITY: rounded(MILLI),
        ColumnKind.PRICE: price,
        ColumnKind.MONEY: rounded(minor_unit_quantum(currency)),
        ColumnKind.FRACTION: lambda value: f"{value.normalize():f}".replace(".", point),
        ColumnKind.RATE: lambda value: f"{value.normalize():f}".replace(".", point),
        ColumnKind.MONTH: _month,
    }


_FORMULA_FIRST_CHARACTERS = frozenset("".join(FORMULA_TRIGGERS))


def _csv_row_formatter(columns: Sequence[Column], *, point: str, currency: str) -> Callable:
    """One function per sheet that rewrites only the cells that need it: it runs once per
    row of a large export, so the per-cell work is kept to a minimum."""
    formatters = _csv_formatters(point, currency)
    text_columns = [index for index, column in enumerate(columns) if column.kind == ColumnKind.TEXT]
    formatted_columns = [
        (index, formatters[column.kind]) for index, column in enumerate(columns) if column.kind in formatters
    ]

    def format_row(row: Sequence) -> list:
        cells = list(row)
        for index in text_columns:
            text = cells[index]
            if text and text[0] in _FORMULA_FIRST_CHARACTERS:
                cells[index] = "'" + text  # the rule of `neutralise`, inlined
        for index, format_cell in formatted_columns:
            value = cells[index]
            if value is not None:
                cells[index] = format_cell(value)
        return cells

    return format_row


class _Totals:
    """The sums of a sheet's summed columns, added up row by row as the rows go by."""

    def __init__(self, columns: Sequence[Column]):
        self.indexes = [index for index, column in enumerate(columns) if column.summed]
        self.sums = {index: Decimal(0) if columns[index].kind == ColumnKind.MONEY else 0 for index in self.indexes}

    def add(self, row: Sequence) -> None:
        sums = self.sums
        for index in self.indexes:
            value = row[index]
            if value is not None:
                sums[index] += value

    def row(self, sheet: Sheet) -> list:
        cells: list = [None] * len(sheet.columns)
        for index, total in self.sums.items():
            cells[index] = total
        return cells


def csv_chunks(sheet: Sheet, *, separator: str) -> Iterator[bytes]:
    """The sheet as CSV (see `_python_csv_chunks`): written by PostgreSQL's COPY when the
    sheet has its queryset and the database is PostgreSQL, by Python otherwise — the same
    cells either way (tests/backend/exports run on both)."""
    if sheet.query is not None and connection.vendor == "postgresql":
        return _copy_csv_chunks(sheet, separator=separator)
    return _python_csv_chunks(sheet, separator=separator)


def _python_csv_chunks(sheet: Sheet, *, separator: str) -> Iterator[bytes]:
    """The sheet as UTF-8 CSV with a byte order mark (so Excel reads the accents), ending with
    its totals row. With `;`, decimals take a comma, as French Excel expects; with `,`, a
    point. Amounts have the decimals of the sheet's currency (EUR 2, XOF none).

    The header is sent together with the first rows, so the database has answered before
    the first byte leaves (see `services.csv_download`)."""
    format_row = _csv_row_formatter(sheet.columns, point="," if separator == ";" else ".", currency=sheet.currency)
    totals = _Totals(sheet.columns)
    add_to_totals = totals.add if totals.indexes else None
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    buffer.write(UTF8_BOM)
    writer.writerow([neutralise(str(column.header)) for column in sheet.columns])
    count = 0
    for row in sheet.rows:
        if add_to_totals:
            add_to_totals(row)
        writer.writerow(format_row(row))
        count += 1
        if buffer.tell() >= CSV_CHUNK_CHARS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    sheet.row_count = count
    if totals.indexes:
        total_row = format_row(totals.row(sheet))
        total_row[0] = neutralise(str(sheet.total_label))
        writer.writerow(total_row)
    yield buffer.getvalue().encode()


# CSV written by PostgreSQL: each cell formatted in SQL as `_csv_formatters` formats it in
# Python (`{value}` is the column's SQL, `{point}` the decimal separator, `{digits}` the
# currency's minor unit). COPY writes a NULL as an empty cell but quotes an empty string:
# blank text becomes NULL, so both writers give the same cells.
_SQL_TRIMMED = r"replace(rtrim(rtrim(({value})::text, '0'), '.'), '.', '{point}')"
SQL_CELL_FORMATS = {
    ColumnKind.TEXT: (
        r"CASE WHEN left({value}, 1) IN ('=', '+', '-', '@', E'\t', E'\r') THEN '''' || {value} "
        r"ELSE NULLIF({value}, '') END"
    ),
    ColumnKind.INTEGER: "({value})::text",
    ColumnKind.QUANTITY: "replace((round({value}, 3))::text, '.', '{point}')",
    ColumnKind.MONEY: "replace((round({value}, {digits}))::text, '.', '{point}')",
    # At least two decimals, trailing zeros dropped beyond them: 18.90, 0.6333.
    ColumnKind.PRICE: r"replace(regexp_replace(({value})::text, '(\.[0-9][0-9][0-9]*?)0+$', '\1'), '.', '{point}')",
    ColumnKind.FRACTION: _SQL_TRIMMED,
    ColumnKind.RATE: _SQL_TRIMMED,
    ColumnKind.DATE: "to_char({value}, 'YYYY-MM-DD')",
    ColumnKind.MONTH: "to_char({value}, 'YYYY-MM')",
}


def _sql_cell(kind: ColumnKind, value: str, *, point: str, digits: int) -> str:
    return SQL_CELL_FORMATS[kind].replace("{point}", point).replace("{digits}", str(digits)).replace("{value}", value)


def _copy_statement(sheet: Sheet, *, point: str) -> tuple[str, list]:
    """The sheet's own query, each cell formatted in SQL, followed by its totals row: one
    statement and one pass over the rows (a materialized CTE read twice, in order: the
    rows, then their sums)."""
    sql, params = sheet.query.query.sql_with_params()
    digits = MINOR_UNITS[sheet.currency]
    names = [f"c{index}" for index in range(len(sheet.columns))]
    cells = ", ".join(
        _sql_cell(column.kind, f"l.{name}", point=point, digits=digits)
        for name, column in zip(names, sheet.columns, strict=True)
    )
    sums = [
        _sql_cell(column.kind, f"COALESCE(SUM(l.{name}), 0)", point=point, digits=digits) if column.summed else "NULL"
        for name, column in zip(names[1:], sheet.columns[1:], strict=True)
    ]
    # Only Django's compiled SQL (values bound as parameters) and our own column templates go
    # into the text; the one value added, the totals label, is a parameter too.
    statement = (
        f"WITH l AS MATERIALIZED (SELECT * FROM ({sql}) AS q({', '.join(names)})) "  # noqa: S608
        f"SELECT {cells} FROM l UNION ALL SELECT {', '.join(['%s', *sums])} FROM l"
    )
    return statement, [*params, neutralise(str(sheet.total_label))]


def _copy_csv_chunks(sheet: Sheet, *, separator: str) -> Iterator[bytes]:
    """The CSV of `_python_csv_chunks`, its rows written by PostgreSQL (`COPY … TO STDOUT
    (FORMAT csv)`): no Python work per row, so a large export costs little more than the
    database's own writing. Lines end with LF (COPY's) rather than CRLF; every reader, Excel
    included, takes both.

    The COPY is read whole into a spooled temporary file (memory up to 1 MB, then disk), then
    sent from it: a connection is busy until its COPY ends, and the request's connection must
    stay usable (the quota and the audit are written on it while the file is sent)."""
    statement, params = _copy_statement(sheet, point="," if separator == ";" else ".")
    connection.ensure_connection()
    raw = connection.connection
    # COPY takes no bound parameters: psycopg writes the values into the statement.
    query = psycopg.ClientCursor(raw).mogrify(statement, params)
    header = io.StringIO()
    csv.writer(header, delimiter=separator, lineterminator="\n").writerow(
        [neutralise(str(column.header)) for column in sheet.columns]
    )
    with tempfile.SpooledTemporaryFile(max_size=16 * CSV_CHUNK_CHARS) as spool:
        spool.write((UTF8_BOM + header.getvalue()).encode())
        with raw.cursor() as cursor, contextlib.ExitStack() as stack:
            copy = _run_wrapped(
                f"COPY ({query}) TO STDOUT (FORMAT csv, DELIMITER '{separator}')",
                lambda sql, params, many, context: stack.enter_context(cursor.copy(sql)),
            )
            for block in copy:
                spool.write(block)
            stack.close()
            sheet.row_count = max(cursor.rowcount - 1, 0)  # the totals row is not a row of data
        spool.seek(0)
        while chunk := spool.read(CSV_CHUNK_CHARS):
            yield chunk


def _run_wrapped(sql: str, executor: Callable):
    """Runs `executor` through the connection's execute wrappers, as Django runs a query, so
    that whatever watches the queries (instrumentation, the tests' simulated outages) sees
    the COPY too."""
    for wrapper in reversed(connection.execute_wrappers):
        executor = functools.partial(wrapper, executor)
    return executor(sql, None, False, {"connection": connection, "cursor": None})


# --- XLSX

HEADER_STYLE = {
    "bold": True,
    "font_color": "#FFFFFF",
    "bg_color": "#1F4E78",
    "border": 1,
    "text_wrap": True,
    "valign": "vcenter",
}
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "XOF": "FCFA", "XAF": "FCFA", "MAD": "MAD"}


def number_formats(currency: str) -> dict[ColumnKind, str | None]:
    symbol = CURRENCY_SYMBOLS.get(currency, currency).replace('"', "")
    digits = MINOR_UNITS[currency]
    decimals = "." + "0" * digits if digits else ""
    return {
        ColumnKind.TEXT: None,
        ColumnKind.INTEGER: "0",
        ColumnKind.QUANTITY: "#,##0.000",
        ColumnKind.PRICE: f'#,##0{decimals}{"##" if digits else ".####"} "{symbol}"',
        ColumnKind.MONEY: f'#,##0{decimals} "{symbol}"',
        ColumnKind.FRACTION: "0%",
        ColumnKind.RATE: '0.0#" %"',
        ColumnKind.DATE: "dd/mm/yyyy",
        ColumnKind.MONTH: "mm/yyyy",
    }


def write_xlsx(sheets: Sequence[Sheet], file, *, currency: str) -> None:
    """Writes the sheets into `file` (a binary file object): a styled, frozen header row with an
    autofilter, typed cells with number and date formats, and a bold totals row."""
    workbook = xlsxwriter.Workbook(
        file,
        {
            "constant_memory": True,
            # Strings are data, never formulas, links or numbers, whatever they look like.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    header_format = workbook.add_format(HEADER_STYLE)
    patterns = number_formats(currency)
    formats = {
        kind: workbook.add_format({"num_format": pattern}) if pattern else None for kind, pattern in patterns.items()
    }
    total_formats = {
        kind: workbook.add_format({"bold": True, "top": 1, **({"num_format": pattern} if pattern else {})})
        for kind, pattern in patterns.items()
    }
    for sheet in sheets:
        _write_sheet(workbook, sheet, header_format, formats, total_formats)
    workbook.close()


def _write_sheet(workbook, sheet: Sheet, header_format, formats, total_formats) -> None:
    worksheet = workbook.add_worksheet(str(sheet.name)[:31])
    columns = sheet.columns
    for index, column in enumerate(columns):
        worksheet.set_column(index, index, column.width)
        worksheet.write_string(0, index, str(column.header), header_format)
    worksheet.set_row(0, 30)
    worksheet.freeze_panes(1, 0)
    writers = [_cell_writer(worksheet, column) for column in columns]
    cell_formats = [formats[column.kind] for column in columns]
    totals = _Totals(columns)
    add_to_totals = totals.add if totals.indexes else None
    row_index = 0
    for row_index, row in enumerate(sheet.rows, start=1):
        if add_to_totals:
            add_to_totals(row)
        for column_index, value in enumerate(row):
            if value is not None:
                writers[column_index](row_index, column_index, value, cell_formats[column_index])
    sheet.row_count = row_index
    worksheet.autofilter(0, 0, row_index, len(columns) - 1)
    if totals.indexes:
        _write_totals(worksheet, sheet, totals, row_index, total_formats)


def _write_totals(worksheet, sheet: Sheet, totals: _Totals, last_row: int, total_formats) -> None:
    """The totals row under the data, bold: numbers, not formulas (the file holds no formula
    at all, see the module's docstring), each the exact sum of the rounded cells above it."""
    total_row = last_row + 1
    worksheet.write_string(total_row, 0, str(sheet.total_label), total_formats[ColumnKind.TEXT])
    for index, total in totals.sums.items():
        worksheet.write_number(total_row, index, total, total_formats[sheet.columns[index].kind])


def _cell_writer(worksheet, column: Column) -> Callable:
    if column.kind == ColumnKind.TEXT:
        write_string = worksheet.write_string

        def write_text(row, col, value, cell_format):
            if value:
                write_string(row, col, value, cell_format)

        return write_text
    if column.kind in (ColumnKind.DATE, ColumnKind.MONTH):
        return worksheet.write_datetime
    return worksheet.write_number


# --- Files


def export_filename(parts: Sequence[str], extension: str) -> str:
    """`stockscan_<parts joined by _>.<extension>`, each part slugified (accents kept)."""
    slugs = [slugify(part, allow_unicode=True) or "export" for part in parts]
    return "_".join(["stockscan", *slugs]) + f".{extension}"


def attachment_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` for old clients and the exact UTF-8 name as
    RFC 5987 `filename*`, which current browsers prefer."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(char for char in ascii_name if char.isalnum() or char in "._-") or "export"
    return f"{content_disposition_header(True, ascii_name)}; filename*=utf-8''{quote(filename)}"
