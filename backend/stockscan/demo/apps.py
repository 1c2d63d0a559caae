from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "stockscan.demo"
    label = "demo"
    verbose_name = "Demo business"
