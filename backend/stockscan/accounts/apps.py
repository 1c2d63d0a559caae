from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "stockscan.accounts"
    label = "accounts"
    verbose_name = "Accounts"
