from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "stockscan.orgs"
    label = "orgs"
    verbose_name = "Organisations"

    def ready(self):
        from stockscan.entitlements.plans import Limit
        from stockscan.entitlements.usage import register_usage_counter
        from stockscan.orgs import activity
        from stockscan.orgs.selectors import seats_used, service_count
        from stockscan.orgs.tenancy import context_cache, schema  # noqa: F401  (schema: registers its extension)

        register_usage_counter(Limit.MAX_SERVICES, service_count)
        register_usage_counter(Limit.MAX_USERS, seats_used)
        context_cache.connect_signals()
        activity.register()
