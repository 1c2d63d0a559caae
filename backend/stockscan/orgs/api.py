from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from stockscan.core.permissions import Perm, crud_permissions
from stockscan.core.views import TenantModelViewSet, TenantScopedMixin
from stockscan.orgs import selectors, services
from stockscan.orgs.models import Membership, Service
from stockscan.orgs.serializers import (
    MembershipSerializer,
    ServiceCreateSerializer,
    ServiceSerializer,
    ServiceUpdateSerializer,
)


@extend_schema_view(
    create=extend_schema(request=ServiceCreateSerializer, responses={201: ServiceSerializer}),
    partial_update=extend_schema(request=ServiceUpdateSerializer, responses=ServiceSerializer),
    update=extend_schema(request=ServiceUpdateSerializer, responses=ServiceSerializer),
)
class ServiceViewSet(TenantModelViewSet):
    """The tenant's services. Operators see only the service they are limited to."""

    queryset = Service.objects.none()
    serializer_class = ServiceSerializer
    permissions = crud_permissions(read=Perm.VIEW_SERVICES, write=Perm.MANAGE_SERVICES)

    def get_queryset(self):
        return selectors.service_list(membership=self.request.membership).filter(tenant=self.request.tenant)

    def create(self, request, *args, **kwargs):
        params = ServiceCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        service = services.service_create(tenant=request.tenant, actor=request.user, **params.validated_data)
        return Response(ServiceSerializer(service).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        service = self.get_object()
        params = ServiceUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        params.is_valid(raise_exception=True)
        service = services.service_update(service=service, actor=request.user, **params.validated_data)
        return Response(ServiceSerializer(service).data)

    def perform_destroy(self, instance):
        services.service_delete(service=instance, actor=self.request.user)


class MembershipViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Members of the tenant. Inviting, changing and removing members come with invitations."""

    queryset = Membership.objects.none()
    serializer_class = MembershipSerializer
    permissions = {"list": Perm.VIEW_MEMBERS, "retrieve": Perm.VIEW_MEMBERS}

    def get_queryset(self):
        return selectors.membership_list(tenant=self.request.tenant)
