from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stockscan.mail.models import DeliveryEvent, EmailAttachment, OutboundEmail
from stockscan.mail.services import email_retry


class EmailAttachmentInline(admin.TabularInline):
    """Names and sizes only: the bytes (exports, a few MB) are never shown."""

    model = EmailAttachment
    fields = ["filename", "content_type", "human_size"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("size"))
    def human_size(self, attachment):
        return filesizeformat(attachment.size)


class DeliveryEventInline(admin.TabularInline):
    model = DeliveryEvent
    fields = ["event", "occurred_at", "received_at", "provider_event_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The outbox, for support staff: what was sent, what failed and why, and a retry."""

    list_display = [
        "id",
        "template",
        "recipient",
        "tenant",
        "status",
        "delivery_status",
        "attempts",
        "short_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "delivery_status", "template", "language"]
    search_fields = ["recipient", "provider_message_id", "tenant__name"]
    list_select_related = ["tenant"]
    date_hierarchy = "created_at"
    # The sealed context is never shown: it holds one-time links.
    fields = [
        "tenant",
        "recipient",
        "template",
        "language",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_error",
        "sent_at",
        "provider_message_id",
        "delivery_status",
        "delivery_detail",
        "delivery_updated_at",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [EmailAttachmentInline, DeliveryEventInline]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Rows are read-only; the change permission only gates the retry action.
        return obj is None and super().has_change_permission(request)

    def get_queryset(self, request):
        return OutboundEmail.objects.with_scopes_disabled().defer("sealed_context")

    @admin.display(description=_("last error"))
    def short_error(self, email):
        return email.last_error[:120]

    @admin.action(description=_("Send the selected failed emails again"), permissions=["change"])
    def retry(self, request, queryset):
        retried = sum(email_retry(email=email, actor=request.user) for email in queryset)
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", retried) % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )
