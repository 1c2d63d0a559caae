from rest_framework import serializers

from stockscan.entitlements.models import SubscriptionStatus
from stockscan.entitlements.plans import FEATURE_CODES, PlanCode, PlanSource


class EntitlementsSerializer(serializers.Serializer):
    plan_effective = serializers.ChoiceField(choices=[code.value for code in PlanCode])
    plan_source = serializers.ChoiceField(choices=[source.value for source in PlanSource])
    expires_at = serializers.DateTimeField(allow_null=True)
    subscription_status = serializers.ChoiceField(choices=SubscriptionStatus.choices)
    cancel_at_period_end = serializers.BooleanField()
    trial_ends_at = serializers.DateTimeField(allow_null=True)
    grace_ends_at = serializers.DateTimeField(allow_null=True)
    entitlements = serializers.ListField(child=serializers.ChoiceField(choices=FEATURE_CODES))
    limits = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    usage = serializers.DictField(child=serializers.IntegerField())
    over_limit = serializers.DictField(child=serializers.BooleanField())
