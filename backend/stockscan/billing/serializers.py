from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.billing.configuration import CYCLES
from stockscan.billing.errors import BillingErrorCode, InvalidChoice
from stockscan.billing.models import StripeEvent
from stockscan.entitlements.plans import FEATURE_CODES, PURCHASABLE_PLANS, Limit, PlanCode


class AllowedValuesChoiceField(serializers.ChoiceField):
    """A choice whose unknown value is refused with its own error code and the allowed values
    (`{"code": "INVALID_PLAN", "allowed": [...]}`), so the SPA can offer them."""

    def __init__(self, *, error_code: BillingErrorCode, unknown_detail, **kwargs):
        self.error_code = error_code
        self.unknown_detail = unknown_detail
        super().__init__(**kwargs)

    def fail(self, key, **kwargs):
        if key == "invalid_choice":
            allowed = list(self.choices)
            raise InvalidChoice(
                self.unknown_detail % {"allowed": ", ".join(allowed)}, code=self.error_code, allowed=allowed
            )
        super().fail(key, **kwargs)


class CheckoutRequestSerializer(serializers.Serializer):
    plan = AllowedValuesChoiceField(
        choices=[plan.value for plan in PURCHASABLE_PLANS],
        error_code=BillingErrorCode.INVALID_PLAN,
        unknown_detail=_("Unknown plan: choose one of %(allowed)s."),
    )
    cycle = AllowedValuesChoiceField(
        choices=list(CYCLES),
        error_code=BillingErrorCode.INVALID_CYCLE,
        unknown_detail=_("Unknown billing cycle: choose one of %(allowed)s."),
    )


class RedirectUrlSerializer(serializers.Serializer):
    url = serializers.URLField(help_text=_("The Stripe page to send the user to."))


# No NUL character: PostgreSQL cannot keep it (an event id or type with one is refused).
STORABLE_TEXT = r"^[^\x00]+$"


class StripeEventSerializer(serializers.Serializer):
    """What the webhook reads of a Stripe event before storing it; Stripe sends more (`object`,
    `api_version`, `created`, `data`…), kept as sent. The signature covers the raw body."""

    id = serializers.RegexField(
        STORABLE_TEXT,
        max_length=StripeEvent._meta.get_field("stripe_event_id").max_length,
        help_text="The event's id (evt_…): an event received again is acknowledged as a duplicate.",
    )
    type = serializers.RegexField(
        STORABLE_TEXT,
        max_length=StripeEvent._meta.get_field("type").max_length,
        help_text="customer.subscription.updated, invoice.paid…; a type StockScan does not follow is ignored.",
    )


class WebhookAcknowledgementSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text=_("True when this event had already been received."))


class PlanPriceSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text='Price per interval, in the currency\'s units ("19.00").'
    )
    currency = serializers.CharField(help_text="ISO 4217 code, upper case.")
    interval = serializers.ChoiceField(choices=["day", "week", "month", "year"])
    interval_count = serializers.IntegerField(min_value=1)


class PlanPricesSerializer(serializers.Serializer):
    MONTHLY = PlanPriceSerializer(allow_null=True)
    YEARLY = PlanPriceSerializer(allow_null=True)


class PlanLimitsSerializer(serializers.Serializer):
    """Each limit of the plan; null means unlimited."""

    def get_fields(self):
        return {limit.value: serializers.IntegerField(allow_null=True) for limit in Limit}


class PlanSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[code.value for code in PlanCode])
    name = serializers.CharField(help_text="The plan's name in the request's language.")
    limits = PlanLimitsSerializer()
    features = serializers.ListField(child=serializers.ChoiceField(choices=FEATURE_CODES))
    purchasable = serializers.BooleanField(help_text="Bought through Stripe Checkout (the free plan is not).")
    trial = serializers.BooleanField(help_text="The plan a new business tries for TRIAL_DAYS days.")
    prices = PlanPricesSerializer(
        allow_null=True, help_text="Per billing cycle; null when payments are not configured or for the free plan."
    )
