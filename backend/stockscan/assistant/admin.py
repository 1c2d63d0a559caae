from django.contrib import admin

from stockscan.assistant.models import AssistantRequest, Conversation


@admin.register(AssistantRequest)
class AssistantRequestAdmin(admin.ModelAdmin):
    """Who asked, what they got and why, and what the model cost (never the prompt)."""

    list_display = [
        "created_at",
        "tenant",
        "user",
        "scope",
        "mode",
        "reason",
        "model",
        "latency_ms",
        "tokens_in",
        "tokens_out",
    ]
    list_filter = ["mode", "reason", "scope", "model"]
    search_fields = ["request_id"]
    readonly_fields = [field.name for field in AssistantRequest._meta.fields]
    list_select_related = ["tenant", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Conversations are listed for support and deletion; what was said stays private."""

    list_display = ["id", "tenant", "user", "scope", "created_at", "last_exchange_at"]
    list_filter = ["scope"]
    readonly_fields = ["tenant", "user", "scope", "created_at", "last_exchange_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False
