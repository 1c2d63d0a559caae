from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "stockscan.orgs"
    label = "orgs"
    verbose_name = "Organisations"

    def ready(self):
        from stockscan.entitlements.plans import Limit
        from stockscan.entitlements.usage import register_usage_counter
        from stockscan.orgs.selectors import active_member_count, open_invitation_count, service_count

        register_usage_counter(Limit.MAX_SERVICES, service_count)
        # A seat is an active member or an invitation that can still be accepted.
        register_usage_counter(Limit.MAX_USERS, active_member_count)
        register_usage_counter(Limit.MAX_USERS, open_invitation_count)
