"""RowSerializer must give, from `.values()` rows, exactly the JSON DRF gives from instances."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework import serializers

from stockscan.core.serializers import RowSerializer
from stockscan.inventory.models import CountLine
from tests.factories import CategoryFactory, CountLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


class LineFields(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name")
    category_name = serializers.CharField(source="product.category.name", default=None)
    min_quantity = serializers.DecimalField(source="product.min_quantity", max_digits=14, decimal_places=3)
    rounded_cost = serializers.DecimalField(source="unit_cost", max_digits=14, decimal_places=2)

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


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "Pacific/Noumea"])
def test_rows_serialize_like_instances(workspace, other_workspace, zone):
    wine = ProductFactory(
        tenant=workspace.tenant,
        service=workspace.bar,
        category=CategoryFactory(tenant=workspace.tenant, service=workspace.bar, name="Vins"),
        min_quantity=Decimal("1.5"),
    )
    loose = ProductFactory(tenant=workspace.tenant, service=workspace.bar, category=None, min_quantity=None)
    CountLineFactory(
        product=wine,
        count__service=workspace.bar,
        quantity=Decimal("2.125"),
        container_state="OPENED",
        remaining_fraction=Decimal("0.333"),
        expiry_date=date(2027, 2, 28),
        unit_cost=Decimal("12.3456"),  # 12.35 when rounded to the cent, half up
        lot="L-12",
        client_id="tablet-9",
    )
    CountLineFactory(product=loose, count__service=workspace.bar, unit_cost=None, remaining_quantity=Decimal("0.5"))
    CountLineFactory(product__service=other_workspace.bar, count__service=other_workspace.bar)

    with scopes_disabled(), timezone.override(zone):
        lines = CountLine.objects.filter(tenant=workspace.tenant).order_by("id")
        expected = LineFields(lines.select_related("product__category"), many=True).data
        rows = RowSerializer(LineFields)
        actual = rows.many(rows.rows(lines))

    assert len(actual) == 2
    assert actual == [dict(line) for line in expected]
    assert actual[0]["rounded_cost"] == "12.35"


def test_computed_fields_must_be_declared_by_the_serializer():
    with pytest.raises(ValueError, match="no field month"):
        RowSerializer(LineFields, computed={"month": lambda row: "2026-10"})
