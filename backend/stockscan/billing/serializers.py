from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.billing.configuration import CYCLES
from stockscan.billing.errors import BillingErrorCode, InvalidChoice
from stockscan.entitlements.plans import PURCHASABLE_PLANS


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


class WebhookAcknowledgementSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text=_("True when this event had already been received."))
