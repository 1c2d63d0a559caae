from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "stockscan.exports"
    label = "exports"
    verbose_name = "Exports"

    def ready(self):
        from stockscan.core.tasks import register_retry_kind
        from stockscan.exports import (
            activity,
            inventory,  # noqa: F401  (exporters register themselves when imported)
        )
        from stockscan.exports.models import EmailedExport
        from stockscan.exports.tasks import send_emailed_export

        register_retry_kind(EmailedExport, task=send_emailed_export)
        activity.register()
