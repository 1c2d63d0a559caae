from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "stockscan.billing"
    label = "billing"
    verbose_name = "Billing (Stripe)"

    def ready(self):
        from stockscan.billing import activity
        from stockscan.billing.models import StripeEvent
        from stockscan.billing.tasks import process_stripe_event
        from stockscan.core.tasks import register_retry_kind

        register_retry_kind(StripeEvent, task=process_stripe_event)
        activity.register()
