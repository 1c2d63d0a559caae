from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "stockscan.mail"
    label = "mail"
    verbose_name = "Mail"
