"""The pieces every export shares: formula neutralisation, cell text, file names and the
Content-Disposition header, and the exporter registry."""

from decimal import Decimal

import pytest

from stockscan.exports.base import Column, ColumnKind, Exporter, Sheet, exporter_class, register
from stockscan.exports.inventory import InventoryExporter
from stockscan.exports.rendering import attachment_disposition, csv_chunks, export_filename, neutralise


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Rhum = bon", "Rhum = bon"),
        ("", ""),
        ("'déjà cité", "'déjà cité"),
    ],
)
def test_formula_triggers_get_a_leading_quote(text, written):
    assert neutralise(text) == written


def test_filenames_keep_accents_and_drop_what_cannot_be_in_a_name():
    assert export_filename(["Crêperie / Dupré", "Cave à vins", "2026-01", "2026-03"], "xlsx") == (
        "stockscan_crêperie-dupré_cave-à-vins_2026-01_2026-03.xlsx"
    )
    assert export_filename(["???", "all"], "csv") == "stockscan_export_all.csv"


def test_content_disposition_has_an_ascii_name_and_the_exact_one():
    header = attachment_disposition("stockscan_crêperie_2026-01.csv")

    assert header == (
        "attachment; filename=\"stockscan_creperie_2026-01.csv\"; filename*=utf-8''stockscan_cr%C3%AAperie_2026-01.csv"
    )
    assert attachment_disposition('a"b\\c.csv').startswith('attachment; filename="abc.csv"')


def test_the_registry_finds_exporters_by_identifier_and_refuses_a_clash():
    assert exporter_class("inventory") is InventoryExporter

    class Clash(Exporter):
        identifier = "inventory"

    with pytest.raises(ValueError, match="Two exporters"):
        register(Clash)


def test_decimal_cells_are_never_floats_in_csv():
    sheet = Sheet(
        "t",
        "t",
        [Column("q", ColumnKind.QUANTITY), Column("p", ColumnKind.PRICE), Column("v", ColumnKind.MONEY)],
        iter([(Decimal("0.1") + Decimal("0.2"), Decimal("0.63330"), Decimal("15.1992"))]),
    )

    text = b"".join(csv_chunks(sheet, separator=";")).decode("utf-8-sig")

    assert text.splitlines()[1] == "0,300;0,6333;15,20"
    assert sheet.row_count == 1


@pytest.mark.parametrize(("separator", "written"), [(";", "0,125;0,13;0,001;0,14"), (",", "0.125,0.13,0.001,0.14")])
def test_csv_rounds_half_up(separator, written):
    """Half-way amounts and quantities go up, as everywhere else (core.decimals), never to the even neighbour."""
    sheet = Sheet(
        "t",
        "t",
        [
            Column("p", ColumnKind.PRICE),
            Column("v", ColumnKind.MONEY),
            Column("q", ColumnKind.QUANTITY),
            Column("w", ColumnKind.MONEY),
        ],
        iter([(Decimal("0.125"), Decimal("0.125"), Decimal("0.0005"), Decimal("0.135"))]),
    )

    text = b"".join(csv_chunks(sheet, separator=separator)).decode("utf-8-sig")

    assert text.splitlines()[1] == written
