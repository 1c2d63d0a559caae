from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "stockscan.entitlements"
    label = "entitlements"
    verbose_name = "Plans and entitlements"

    def ready(self):
        from stockscan.entitlements import activity

        activity.register()
