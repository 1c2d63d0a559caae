"""A URL configuration for testing the tests: the project's routes plus two copies of a
`POST /api/…/{id}/duplicate/` action on monthly counts. One reads the count as every view
must (`get_object`, inside the tenant); the other reads it with the scopes off and without
the tenant, so that another tenant's id finds the row. The isolation walk must report the
second and pass the first, and the role matrix must reach both without anyone listing them.
"""

from django.urls import include, path
from django_scopes import scopes_disabled
from rest_framework.decorators import action
from rest_framework.response import Response

from config.urls import urlpatterns as project_urlpatterns
from stockscan.core.errors import NotFound
from stockscan.core.routers import Router
from stockscan.inventory.api import StockCountViewSet
from stockscan.inventory.models import StockCount
from stockscan.inventory.serializers import StockCountSerializer
from stockscan.orgs.tenancy.permissions import Perm

DUPLICATE_PERMISSIONS = {**StockCountViewSet.permissions, "duplicate": Perm.COUNT_STOCK}


class LeakyCountViewSet(StockCountViewSet):
    permissions = DUPLICATE_PERMISSIONS

    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        with scopes_disabled():
            count = StockCount.objects.filter(pk=pk).first()
        if count is None:
            raise NotFound()
        return Response(StockCountSerializer(count).data)


class ScopedCountViewSet(StockCountViewSet):
    permissions = DUPLICATE_PERMISSIONS

    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        return Response(StockCountSerializer(self.get_object()).data)


LEAKY_ROUTE = "leaky-count-duplicate"
SCOPED_ROUTE = "scoped-count-duplicate"

router = Router()
router.register("leaky-counts", LeakyCountViewSet, basename="leaky-count")
router.register("scoped-counts", ScopedCountViewSet, basename="scoped-count")

urlpatterns = [path("api/", include(router.urls)), *project_urlpatterns]
