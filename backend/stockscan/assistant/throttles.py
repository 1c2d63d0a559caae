from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class AssistantMemberThrottle(SimpleRateThrottle):
    """AI_THROTTLE_RATE questions per member (user in a tenant), counted in the shared cache
    (Redis) so that every process and thread draws on one budget."""

    scope = "assistant_member"

    def get_rate(self):
        return settings.AI_THROTTLE_RATE

    def get_cache_key(self, request, view):
        membership = getattr(request, "membership", None)
        if membership is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"{membership.tenant_id}:{membership.user_id}"}
