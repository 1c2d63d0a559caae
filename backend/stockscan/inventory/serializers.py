from rest_framework import serializers

from stockscan.core.serializers import TenantRelatedField
from stockscan.inventory.models import Category, Product, Unit


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "service", "name", "created_at"]
        read_only_fields = fields


class CategoryWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, trim_whitespace=True)


class WarningSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()


class ProductSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True, default=None)

    class Meta:
        model = Product
        fields = [
            "id",
            "service",
            "category",
            "category_name",
            "name",
            "barcode",
            "sku",
            "unit",
            "purchase_price",
            "selling_price",
            "vat_rate",
            "min_quantity",
            "supplier",
            "brand",
            "notes",
            "archived",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProductWithWarningsSerializer(ProductSerializer):
    warnings = WarningSerializer(many=True, read_only=True)

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


def _stripped(value) -> str:
    return (value or "").strip()


class ProductWriteSerializer(serializers.Serializer):
    """Parses a product body; the service comes from the tenancy resolver, never from here."""

    name = serializers.CharField(max_length=200)
    category = TenantRelatedField(Category, allow_null=True, required=False)
    barcode = serializers.RegexField(r"^[0-9A-Za-z-]{1,64}$", allow_null=True, allow_blank=True, required=False)
    sku = serializers.CharField(max_length=64, allow_null=True, allow_blank=True, required=False)
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    purchase_price = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=0, allow_null=True, required=False
    )
    selling_price = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=0, allow_null=True, required=False
    )
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, allow_null=True, required=False
    )
    min_quantity = serializers.DecimalField(
        max_digits=14, decimal_places=3, min_value=0, allow_null=True, required=False
    )
    supplier = serializers.CharField(max_length=120, allow_blank=True, required=False)
    brand = serializers.CharField(max_length=120, allow_blank=True, required=False)
    notes = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    archived = serializers.BooleanField(required=False)

    def validate_barcode(self, value):
        return _stripped(value)

    def validate_sku(self, value):
        return _stripped(value)
