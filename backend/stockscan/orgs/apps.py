from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "stockscan.orgs"
    label = "orgs"
    verbose_name = "Organisations"
