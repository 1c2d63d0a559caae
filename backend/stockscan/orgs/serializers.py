from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.orgs.models import Membership, Service, Tenant
from stockscan.orgs.presets import FEATURE_KEYS, CountingMode, ServiceType


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "business_type", "domain", "currency", "locale", "timezone"]
        read_only_fields = fields


class FeaturesField(serializers.DictField):
    child = serializers.BooleanField()

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(FEATURE_KEYS))
        if unknown:
            raise serializers.ValidationError(_("Unknown features: %(names)s.") % {"names": ", ".join(unknown)})
        return value


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name", "service_type", "counting_mode", "features", "created_at"]
        read_only_fields = fields


class ServiceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    service_type = serializers.ChoiceField(choices=ServiceType.choices, default=ServiceType.OTHER)
    counting_mode = serializers.ChoiceField(choices=CountingMode.choices, required=False)
    features = FeaturesField(required=False)

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("This field may not be blank."))
        return value


class ServiceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    counting_mode = serializers.ChoiceField(choices=CountingMode.choices, required=False)
    features = FeaturesField(required=False)

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("This field may not be blank."))
        return value


class MembershipUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    last_login = serializers.DateTimeField(allow_null=True)


class MembershipSerializer(serializers.ModelSerializer):
    user = MembershipUserSerializer(read_only=True)
    service = serializers.PrimaryKeyRelatedField(read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True, default=None)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "service", "service_name", "status", "created_at"]
        read_only_fields = fields
