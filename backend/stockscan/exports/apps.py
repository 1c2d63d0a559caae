from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "stockscan.exports"
    label = "exports"
    verbose_name = "Exports"

    def ready(self):
        # Exporters register themselves when their module is imported.
        from stockscan.exports import (
            activity,
            inventory,  # noqa: F401
        )

        activity.register()
