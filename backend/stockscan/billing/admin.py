from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stockscan.billing.models import StripeEvent
from stockscan.billing.services.events import stripe_events_reprocess


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = [
        "stripe_event_id",
        "type",
        "tenant",
        "status",
        "attempts",
        "error",
        "received_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "type"]
    search_fields = ["stripe_event_id", "tenant__name"]
    list_select_related = ["tenant"]
    date_hierarchy = "received_at"
    actions = ["reprocess"]
    # What Stripe sent and what happened to it: a record, not something to edit.
    readonly_fields = [field.name for field in StripeEvent._meta.fields]

    @admin.display(description=_("error or note"))
    def error(self, obj):
        return obj.last_error[:120]

    @admin.action(description=_("Reprocess the selected failed or ignored events"))
    def reprocess(self, request, queryset):
        count = stripe_events_reprocess(event_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d event queued again.", "%(count)d events queued again.", count) % {"count": count},
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
