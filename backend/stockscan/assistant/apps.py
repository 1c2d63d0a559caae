from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "stockscan.assistant"
    label = "assistant"
    verbose_name = "Assistant"

    def ready(self):
        from stockscan.assistant.selectors import facts_cache

        facts_cache.connect_signals()
