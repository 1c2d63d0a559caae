from django.conf import settings

from stockscan.core.throttling import AtomicRateThrottle


class AssistantMemberThrottle(AtomicRateThrottle):
    """AI_THROTTLE_RATE questions per member (a user in a tenant), one budget for every
    process and thread."""

    scope = "assistant"

    def get_rate(self):
        return settings.AI_THROTTLE_RATE

    def get_cache_key(self, request, view):
        membership = getattr(request, "membership", None)
        if membership is None:
            return None
        return f"throttle:assistant:{membership.tenant_id}:{membership.user_id}"
