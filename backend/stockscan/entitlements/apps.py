from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "stockscan.entitlements"
    label = "entitlements"
    verbose_name = "Plans and entitlements"
