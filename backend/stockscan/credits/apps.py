from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "stockscan.credits"
    label = "credits"
    verbose_name = "Credit book"

    def ready(self):
        from stockscan.credits import (
            activity,
            exporters,  # noqa: F401  (the statement exporter registers itself when imported)
        )
        from stockscan.credits.selectors import active_customer_count
        from stockscan.entitlements.plans import Limit
        from stockscan.entitlements.usage import register_usage_counter

        register_usage_counter(Limit.MAX_CUSTOMERS, active_customer_count)
        activity.register()
