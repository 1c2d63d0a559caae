"""Base classes for every tenant API view.

After authentication, the request is bound to its tenant (`request.tenant`,
`request.membership`), the tenant scope is entered for the rest of the request, and the
view's declared permission is checked against the member's role.
"""

from contextlib import ExitStack

from django_scopes import scope
from rest_framework import generics, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from stockscan.orgs.tenancy.permissions import TenantRolePermission, sees_purchase_costs
from stockscan.orgs.tenancy.resolution import (
    NoTenantMembership,
    TenantNotFound,
    resolve_service,
    resolve_tenant_context,
)


class TenantScopedMixin:
    permission_classes = [IsAuthenticated, TenantRolePermission]
    permissions: dict = {}
    # The schema's error answers (core.schema): every tenant view resolves its tenant.
    error_codes = [TenantNotFound, NoTenantMembership]
    # Ids are integers; anything else never reaches a view and answers 404.
    lookup_value_regex = "[0-9]+"

    def dispatch(self, request, *args, **kwargs):
        with ExitStack() as self._tenant_scope:
            return super().dispatch(request, *args, **kwargs)

    def check_permissions(self, request):
        if request.user and request.user.is_authenticated:
            context = resolve_tenant_context(request)
            request.tenant = context.tenant
            request.membership = context.membership
            self._tenant_scope.enter_context(scope(tenant=context.tenant.pk))
        super().check_permissions(request)

    def get_serializer_context(self):
        # Generic views only (an APIView has no serializer context of its own).
        return {**super().get_serializer_context(), **self.member_context()}

    def member_context(self) -> dict:
        """What serializers of this request need to know about its member."""
        return {"hide_purchase_costs": not sees_purchase_costs(self.request.membership)}

    def get_service(self, *, required: bool = True):
        return resolve_service(self.request, required=required)


class TenantAPIView(TenantScopedMixin, APIView):
    pass


class TenantGenericAPIView(TenantScopedMixin, generics.GenericAPIView):
    pass


class TenantModelViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Querysets are built from `request.tenant` in `get_queryset` (explicit filter on top of
    the scope), and the tenant is set on the server in `perform_create`."""
