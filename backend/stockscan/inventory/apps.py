from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "stockscan.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self):
        from stockscan.entitlements.plans import Limit
        from stockscan.entitlements.usage import register_usage_counter
        from stockscan.inventory import activity
        from stockscan.inventory.selectors.listing import catalog_product_count

        register_usage_counter(Limit.MAX_PRODUCTS, catalog_product_count)
        activity.register()
