from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "stockscan.exports"
    label = "exports"
    verbose_name = "Exports"

    def ready(self):
        from stockscan.core.tasks import register_retry_kind

        # Exporters register themselves when their module is imported.
        from stockscan.exports import inventory  # noqa: F401
        from stockscan.exports.models import EmailedExport
        from stockscan.exports.tasks import send_emailed_export

        register_retry_kind(EmailedExport, task=send_emailed_export)
