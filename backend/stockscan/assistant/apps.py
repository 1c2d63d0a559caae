from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "stockscan.assistant"
    label = "assistant"
    verbose_name = "Assistant"
