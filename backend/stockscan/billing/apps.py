from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "stockscan.billing"
    label = "billing"
    verbose_name = "Billing (Stripe)"

    def ready(self):
        from stockscan.billing import activity

        activity.register()
