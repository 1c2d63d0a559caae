from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "stockscan.core"
    label = "core"
    verbose_name = "StockScan core"
