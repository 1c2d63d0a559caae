from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "stockscan.billing"
    label = "billing"
    verbose_name = "Billing (Stripe)"
