from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "stockscan.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self):
        from stockscan.core.tasks import register_retry_kind
        from stockscan.mail.models import OutboundEmail
        from stockscan.mail.tasks import email_send

        register_retry_kind(OutboundEmail, task=email_send)
