from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from stockscan.entitlements.models import BillingState, TenantPlanOverride, UsageCounter
from stockscan.entitlements.selectors import effective_plan
from stockscan.entitlements.services import plan_override_save


@admin.register(BillingState)
class BillingStateAdmin(admin.ModelAdmin):
    list_display = [
        "tenant",
        "effective",
        "subscription_plan",
        "subscription_status",
        "trial_ends_at",
        "current_period_end",
        "cancel_at_period_end",
        "stripe_customer_id",
        "stripe_synced_at",
        "stripe_events",
    ]
    list_filter = ["subscription_status", "subscription_plan"]
    search_fields = ["tenant__name", "stripe_customer_id", "stripe_subscription_id"]
    list_select_related = ["tenant"]
    # Billing facts come from Stripe; staff change a tenant's plan with an override.
    readonly_fields = [field.name for field in BillingState._meta.fields]

    @admin.display(description="effective plan")
    def effective(self, obj):
        plan = effective_plan(obj.tenant)
        return f"{plan.code} ({plan.source})"

    @admin.display(description="Stripe events")
    def stripe_events(self, obj):
        url = reverse("admin:billing_stripeevent_changelist")
        return format_html('<a href="{}?tenant={}">events</a>', url, obj.tenant_id)

    def has_add_permission(self, request):
        return False


@admin.register(TenantPlanOverride)
class TenantPlanOverrideAdmin(admin.ModelAdmin):
    list_display = ["tenant", "grant", "plan", "expires_at", "updated_at"]
    list_filter = ["grant", "plan"]
    search_fields = ["tenant__name"]
    raw_id_fields = ["tenant"]

    def save_model(self, request, obj, form, change):
        plan_override_save(override=obj, actor=request.user)


@admin.register(UsageCounter)
class UsageCounterAdmin(admin.ModelAdmin):
    list_display = ["tenant", "metric", "period", "used"]
    list_filter = ["metric", "period"]
    search_fields = ["tenant__name"]
    readonly_fields = ["tenant", "metric", "period", "used"]
