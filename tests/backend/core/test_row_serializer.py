"""RowSerializer must give, from `.values()` rows, exactly the JSON DRF gives from instances;
and on PostgreSQL, the JSON the database writes for the same rows must be the same again."""

import json
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework import serializers

from stockscan.core.serializers import RowSerializer, iso_offset_sql
from stockscan.inventory.models import CountLine
from stockscan.inventory.selectors.listing import count_line_list
from stockscan.inventory.serializers import CountLineSerializer, count_line_rows
from tests.factories import CategoryFactory, CountLineFactory, ProductFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL writes the JSON")
ZONES = ["UTC", "Europe/Paris", "Pacific/Noumea", "America/St_Johns"]


class LineFields(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name")
    category_name = serializers.CharField(source="product.category.name", default=None)
    min_quantity = serializers.DecimalField(source="product.min_quantity", max_digits=14, decimal_places=3)
    rounded_cost = serializers.DecimalField(source="unit_cost", max_digits=14, decimal_places=2, rounding=ROUND_HALF_UP)

    class Meta:
        model = CountLine
        fields = [
            "id",
            "count",
            "product",
            "product_name",
            "category_name",
            "min_quantity",
            "quantity",
            "container_state",
            "remaining_fraction",
            "remaining_quantity",
            "expiry_date",
            "expiry_kind",
            "lot",
            "unit_cost",
            "rounded_cost",
            "client_id",
            "counted_by",
            "created_at",
            "updated_at",
        ]


def _lines(workspace, other_workspace):
    wine = ProductFactory(
        tenant=workspace.tenant,
        service=workspace.bar,
        category=CategoryFactory(tenant=workspace.tenant, service=workspace.bar, name='Vins "rouges" & rosés'),
        min_quantity=Decimal("1.5"),
    )
    loose = ProductFactory(tenant=workspace.tenant, service=workspace.bar, category=None, min_quantity=None)
    CountLineFactory(
        product=wine,
        count__service=workspace.bar,
        count__month=date(2026, 10, 1),
        count__status="closed",  # its costs frozen on its lines (inventory.selectors.valuation)
        quantity=Decimal("2.125"),
        container_state="OPENED",
        remaining_fraction=Decimal("0.333"),
        expiry_date=date(2027, 2, 28),
        unit_cost=Decimal("12.3450"),  # 12.35 to the cent, half up (half even would say 12.34)
        lot="L-12\n\\ «été»",
        client_id="tablet-9",
    )
    CountLineFactory(
        product=loose,
        count__service=workspace.bar,
        count__month=date(2026, 11, 1),
        count__status="closed",
        unit_cost=None,
        remaining_quantity=Decimal("0.5"),
        container_state="OPENED",
    )
    CountLineFactory(
        product=loose,
        count__service=workspace.bar,
        count__month=date(2026, 12, 1),  # not the factory's next month, which may be taken
        count__status="closed",
        quantity=Decimal("1"),
        unit_cost=Decimal("2.0050"),
    )
    CountLineFactory(product__service=other_workspace.bar, count__service=other_workspace.bar)
    with scopes_disabled():
        lines = CountLine.objects.filter(tenant=workspace.tenant)
        # Timestamps with and without microseconds, in summer and in winter time.
        lines.filter(pk=lines.order_by("id")[0].pk).update(created_at=datetime(2026, 7, 14, 21, 30, tzinfo=UTC))
        lines.filter(pk=lines.order_by("-id")[0].pk).update(updated_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    return lines.order_by("id")


@pytest.mark.parametrize("zone", ZONES)
def test_rows_serialize_like_instances(workspace, other_workspace, zone):
    lines = _lines(workspace, other_workspace)

    with scopes_disabled(), timezone.override(zone):
        expected = LineFields(lines.select_related("product__category"), many=True).data
        rows = RowSerializer(LineFields)
        actual = rows.many(rows.rows(lines))

    assert len(actual) == 3
    assert actual == [dict(line) for line in expected]
    assert actual[0]["rounded_cost"] == "12.35"


@postgresql_only
@pytest.mark.parametrize("zone", ZONES)
def test_the_database_writes_the_same_json_as_drf(workspace, other_workspace, zone):
    lines = _lines(workspace, other_workspace)

    with scopes_disabled(), timezone.override(zone):
        expected = LineFields(lines.select_related("product__category"), many=True).data
        written = list(RowSerializer(LineFields).json_rows(lines))

    assert [json.loads(text) for text in written] == json.loads(json.dumps(expected))
    assert (
        json.loads(written[0])["created_at"]
        == {
            "UTC": "2026-07-14T21:30:00Z",
            "Europe/Paris": "2026-07-14T23:30:00+02:00",
            "Pacific/Noumea": "2026-07-15T08:30:00+11:00",
            "America/St_Johns": "2026-07-14T19:00:00-02:30",
        }[zone]
    )


@postgresql_only
@pytest.mark.parametrize(
    ("offset", "written"),
    [
        ("0", "Z"),
        ("02:00", "+02:00"),
        ("05:45", "+05:45"),
        ("14:00", "+14:00"),
        ("-05:00", "-05:00"),
        ("-02:30", "-02:30"),
        ("-00:30", "-00:30"),
        ("-11:15", "-11:15"),
    ],
)
def test_utc_offsets_are_written_as_isoformat_writes_them(offset, written):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {iso_offset_sql('%s::interval')}", [offset])
        assert cursor.fetchone()[0] == written


COUNT_LINE_ROWS = count_line_rows("EUR", hide_purchase_costs=False)


@postgresql_only
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("currency", "values"), [("EUR", ["8.74", None, "2.01"]), ("XOF", ["9", None, "2"])])
def test_count_lines_read_the_same_from_the_database_and_from_python(
    workspace, other_workspace, zone, currency, values
):
    """The month and the line value (rounded to the currency) are computed twice (Python,
    SQL): they must agree."""
    _lines(workspace, other_workspace)
    membership = workspace.members["owner"]
    rows = count_line_rows(currency, hide_purchase_costs=False)

    with scopes_disabled(), timezone.override(zone):
        lines = count_line_list(tenant=workspace.tenant, membership=membership)
        in_python = rows.many(rows.rows(lines))
        in_database = [json.loads(text) for text in rows.json_rows(lines)]

    assert in_database == in_python
    assert list(in_database[0]) == list(CountLineSerializer().fields)
    assert [line["line_value"] for line in in_database] == values
    assert [line["month"] for line in in_database[:2]] == ["2026-10", "2026-11"]


@pytest.mark.parametrize("zone", ZONES)
def test_count_lines_serialize_the_same_as_instances_and_as_rows(workspace, other_workspace, zone):
    _lines(workspace, other_workspace)
    membership = workspace.members["owner"]

    with scopes_disabled(), timezone.override(zone):
        lines = count_line_list(tenant=workspace.tenant, membership=membership)
        request = SimpleNamespace(tenant=workspace.tenant)
        from_instances = CountLineSerializer(lines, many=True, context={"request": request}).data
        from_rows = COUNT_LINE_ROWS.many(COUNT_LINE_ROWS.rows(lines))

    assert [dict(line) for line in from_instances] == from_rows
    assert [(line["month"], line["line_value"]) for line in from_instances] == [
        ("2026-10", "8.74"),
        ("2026-11", None),
        ("2026-12", "2.01"),
    ]


def test_a_field_without_an_sql_twin_is_serialized_in_python(workspace, other_workspace):
    class HalfEven(serializers.ModelSerializer):
        # DRF's default rounding (half even) has no SQL twin.
        cost = serializers.DecimalField(source="unit_cost", max_digits=14, decimal_places=2)

        class Meta:
            model = CountLine
            fields = ["id", "cost"]

    lines = _lines(workspace, other_workspace)
    rows = RowSerializer(HalfEven)

    with scopes_disabled():
        assert not rows.renders_in_database(lines.db)
        assert rows.many(rows.rows(lines))[0]["cost"] == "12.34"
        with pytest.raises(ValueError, match="Only PostgreSQL"):
            rows.json_rows(lines)


def test_computed_fields_must_be_declared_by_the_serializer():
    with pytest.raises(ValueError, match="no field month"):
        RowSerializer(LineFields, computed={"month": lambda row: "2026-10"})


def test_database_expressions_must_name_serializer_fields():
    with pytest.raises(ValueError, match="no field value"):
        RowSerializer(LineFields, database={"value": None})
