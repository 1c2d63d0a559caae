from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from stockscan.core.permissions import Perm
from stockscan.core.views import TenantAPIView
from stockscan.entitlements.selectors import entitlements_summary
from stockscan.entitlements.serializers import EntitlementsSerializer


class EntitlementsView(TenantAPIView):
    """What the current tenant's plan allows, and how much of it is used. Any member may read it."""

    permissions = {"GET": Perm.VIEW_TENANT}

    @extend_schema(responses=EntitlementsSerializer)
    def get(self, request):
        return Response(EntitlementsSerializer(entitlements_summary(request.tenant)).data)
