"""What the activity feed says of billing."""

from django.utils.translation import gettext_lazy as _

from stockscan.core.activity import register_activity
from stockscan.entitlements.activity import plan_name


def register() -> None:
    register_activity("billing.customer_created", _("%(actor)s set up payments"))
    register_activity(
        "billing.checkout_started",
        _("%(actor)s opened the payment page for the %(plan)s plan"),
        lambda e: {"plan": plan_name(e.after.get("plan"))},
    )
    register_activity("billing.event_reprocessed", _("%(actor)s replayed a payment event"))
