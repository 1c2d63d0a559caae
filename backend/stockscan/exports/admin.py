from django.contrib import admin

from stockscan.exports.models import EmailedExport, ExportRecipient


@admin.register(EmailedExport)
class EmailedExportAdmin(admin.ModelAdmin):
    """Read-only: support staff see what was sent, to whom, and why an export failed."""

    list_display = ["id", "tenant", "exporter", "file_format", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "file_format"]
    search_fields = ["tenant__name"]
    list_select_related = ["tenant"]
    readonly_fields = [field.name for field in EmailedExport._meta.fields] + ["recipients"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExportRecipient)
class ExportRecipientAdmin(admin.ModelAdmin):
    """Read-only: support staff see who may receive a business's exports and whether they confirmed."""

    list_display = ["id", "tenant", "name", "email", "status", "send_count", "created_at", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["tenant__name", "email"]
    list_select_related = ["tenant"]
    exclude = ["token_hash"]
    readonly_fields = [field.name for field in ExportRecipient._meta.fields if field.name != "token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
