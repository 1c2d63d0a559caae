from django.contrib import admin

from stockscan.orgs.models import Invitation, Membership, Service, Tenant


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["name", "service_type", "counting_mode"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "service", "status"]
    raw_id_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "business_type", "domain", "created_at"]
    search_fields = ["name", "slug"]
    list_filter = ["business_type", "domain"]
    inlines = [ServiceInline, MembershipInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "service_type", "counting_mode"]
    list_filter = ["service_type"]
    search_fields = ["name", "tenant__name"]
    list_select_related = ["tenant"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "service", "status"]
    list_filter = ["role", "status"]
    search_fields = ["user__username", "user__email", "tenant__name"]
    list_select_related = ["user", "tenant", "service"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only for support: who was invited where, and how it ended. The token's hash is not
    shown (it is useless to a person, and the raw token is stored nowhere)."""

    list_display = ["email", "tenant", "role", "service", "status", "expires_at", "send_count", "created_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "tenant__name"]
    list_select_related = ["tenant", "service"]
    fields = [
        "tenant",
        "email",
        "role",
        "service",
        "status",
        "expires_at",
        "invited_by",
        "accepted_by",
        "responded_at",
        "send_count",
        "last_sent_at",
        "email_message",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
