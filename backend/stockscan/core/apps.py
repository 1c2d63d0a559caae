from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "stockscan.core"
    label = "core"
    verbose_name = "StockScan core"

    def ready(self):
        from stockscan.core import schema, tenancy_cache  # noqa: F401  (schema: registers extensions)

        tenancy_cache.connect_signals()
