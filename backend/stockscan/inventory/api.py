from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from stockscan.core.errors import ApiError, ErrorCode, NotFound, ObjectInUse
from stockscan.core.idempotency import IDEMPOTENCY_HEADER, idempotency_key
from stockscan.core.money import quantize_money
from stockscan.core.months import InvalidMonth, month_parameter, parse_month
from stockscan.core.pagination import MonthPagination
from stockscan.entitlements.errors import EntitlementsErrorCode, FeatureNotIncluded, MonthOutsideHistory
from stockscan.entitlements.selectors import current_period
from stockscan.inventory.errors import (
    AreaNameTaken,
    BarcodeTaken,
    CategoryNameTaken,
    CountClosed,
    CountEmpty,
    CountNotEmpty,
    InventoryErrorCode,
    LineExists,
    MonthClosed,
    MonthNotStarted,
    MonthOutOfRange,
    SkuTaken,
    UncountedProducts,
)
from stockscan.inventory.models import Area, Category, CountLine, Loss, Product, StockCount
from stockscan.inventory.selectors import alerts, stats
from stockscan.inventory.selectors import listing as selectors
from stockscan.inventory.selectors.catalog import product_warnings
from stockscan.inventory.selectors.checklist import checklist, checklist_totals
from stockscan.inventory.serializers import (
    AlertExclusionSerializer,
    AlertPageSerializer,
    AlertSerializer,
    AreaSerializer,
    AreaWriteSerializer,
    CategorySerializer,
    CategoryWriteSerializer,
    ChecklistItemSerializer,
    CountLineCreateSerializer,
    CountLineSerializer,
    CountLineWriteSerializer,
    InventoryStatsSerializer,
    LossCreateSerializer,
    LossSerializer,
    LossWriteSerializer,
    ProductLookupSerializer,
    ProductSerializer,
    ProductWithWarningsSerializer,
    ProductWriteSerializer,
    StockCountCloseSerializer,
    StockCountDetailSerializer,
    StockCountSerializer,
    StockCountStartSerializer,
    count_line_rows,
)
from stockscan.inventory.services import areas, counting, losses
from stockscan.inventory.services import catalog as services
from stockscan.orgs.errors import OrgsErrorCode
from stockscan.orgs.tenancy.permissions import Perm, crud_permissions
from stockscan.orgs.tenancy.resolution import ServiceNotFound, parse_id, visible_service_ids
from stockscan.orgs.tenancy.views import TenantAPIView, TenantGenericAPIView, TenantModelViewSet, TenantScopedMixin

SERVICE_PARAM = OpenApiParameter("service", OpenApiTypes.INT, description="Service id (or X-Service-Id).")
# Where the server answers 400 SERVICE_REQUIRED without one: a client always sends it.
SERVICE_REQUIRED_PARAM = OpenApiParameter(
    "service",
    OpenApiTypes.INT,
    required=True,
    description="Service id. Required (400 SERVICE_REQUIRED) unless sent as X-Service-Id or in the body, or the "
    "member is limited to one service.",
)

# The service named by `?service=`, the body or X-Service-Id (orgs.tenancy.resolution).
SERVICE_ERRORS = [ServiceNotFound, (400, OrgsErrorCode.SERVICE_REQUIRED)]
INVALID_FILTER = (400, InventoryErrorCode.INVALID_FILTER)
LOSS_IN_FUTURE = (400, InventoryErrorCode.LOSS_IN_FUTURE)

_CATALOG_PERMISSIONS = {
    **crud_permissions(read=Perm.VIEW_CATALOG, write=Perm.MANAGE_CATALOG),
    "lookup": Perm.VIEW_CATALOG,
}


@extend_schema_view(
    list=extend_schema(parameters=[SERVICE_PARAM]),
    create=extend_schema(
        request=CategoryWriteSerializer, responses={201: CategorySerializer}, parameters=[SERVICE_REQUIRED_PARAM]
    ),
    update=extend_schema(request=CategoryWriteSerializer, responses=CategorySerializer),
    partial_update=extend_schema(request=CategoryWriteSerializer, responses=CategorySerializer),
)
class CategoryViewSet(TenantModelViewSet):
    """Product categories of a service."""

    queryset = Category.objects.none()
    serializer_class = CategorySerializer
    permissions = _CATALOG_PERMISSIONS
    error_codes = {
        "list": [ServiceNotFound],
        "create": [*SERVICE_ERRORS, CategoryNameTaken],
        "update": [CategoryNameTaken],
        "partial_update": [CategoryNameTaken],
        "destroy": [ObjectInUse],
    }

    def get_queryset(self):
        service = self.get_service(required=False) if self.action == "list" else None
        return selectors.category_list(tenant=self.request.tenant, membership=self.request.membership, service=service)

    def create(self, request, *args, **kwargs):
        params = CategoryWriteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        category = services.category_create(
            tenant=request.tenant, service=self.get_service(), name=params.validated_data["name"], actor=request.user
        )
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        category = self.get_object()
        params = CategoryWriteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        category = services.category_update(category=category, name=params.validated_data["name"], actor=request.user)
        return Response(CategorySerializer(category).data)

    def perform_destroy(self, instance):
        services.category_delete(category=instance, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(parameters=[SERVICE_PARAM]),
    create=extend_schema(
        request=AreaWriteSerializer, responses={201: AreaSerializer}, parameters=[SERVICE_REQUIRED_PARAM]
    ),
    update=extend_schema(request=AreaWriteSerializer, responses=AreaSerializer),
    partial_update=extend_schema(request=AreaWriteSerializer, responses=AreaSerializer),
)
class AreaViewSet(TenantModelViewSet):
    """Areas of a service (réserve, frigo, bar, cave…), in the order of the walk: the month's
    checklist follows them. Owners and managers change them; every member reads them."""

    queryset = Area.objects.none()
    serializer_class = AreaSerializer
    permissions = crud_permissions(read=Perm.VIEW_CATALOG, write=Perm.MANAGE_CATALOG)
    error_codes = {
        "list": [ServiceNotFound],
        "create": [*SERVICE_ERRORS, AreaNameTaken],
        "update": [AreaNameTaken],
        "partial_update": [AreaNameTaken],
        "destroy": [ObjectInUse],
    }

    def get_queryset(self):
        service = self.get_service(required=False) if self.action == "list" else None
        return selectors.area_list(tenant=self.request.tenant, membership=self.request.membership, service=service)

    def create(self, request, *args, **kwargs):
        params = AreaWriteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        area = areas.area_create(
            tenant=request.tenant, service=self.get_service(), actor=request.user, **params.validated_data
        )
        return Response(AreaSerializer(area).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        area = self.get_object()
        params = AreaWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        params.is_valid(raise_exception=True)
        area = areas.area_update(area=area, actor=request.user, **params.validated_data)
        return Response(AreaSerializer(area).data)

    def perform_destroy(self, instance):
        areas.area_delete(area=instance, actor=self.request.user)


ARCHIVED_PARAM = OpenApiParameter(
    "archived", OpenApiTypes.STR, enum=["false", "true", "all"], description="Archived products: hidden by default."
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            SERVICE_PARAM,
            ARCHIVED_PARAM,
            OpenApiParameter("category", OpenApiTypes.INT),
            OpenApiParameter("search", OpenApiTypes.STR, description="Name contains, or exact barcode/SKU."),
        ]
    ),
    create=extend_schema(
        request=ProductWriteSerializer,
        responses={201: ProductWithWarningsSerializer},
        parameters=[SERVICE_REQUIRED_PARAM],
    ),
    update=extend_schema(request=ProductWriteSerializer, responses=ProductWithWarningsSerializer),
    partial_update=extend_schema(request=ProductWriteSerializer, responses=ProductWithWarningsSerializer),
)
class ProductViewSet(TenantModelViewSet):
    """The catalog: products of the services the member can see."""

    queryset = Product.objects.none()
    serializer_class = ProductSerializer
    permissions = _CATALOG_PERMISSIONS
    error_codes = {
        "list": [ServiceNotFound, INVALID_FILTER],
        "create": [*SERVICE_ERRORS, (403, EntitlementsErrorCode.LIMIT_MAX_PRODUCTS), BarcodeTaken, SkuTaken],
        "update": [BarcodeTaken, SkuTaken],
        "partial_update": [BarcodeTaken, SkuTaken],
        "lookup": [ServiceNotFound, (400, InventoryErrorCode.BARCODE_REQUIRED)],
    }

    def get_queryset(self):
        request = self.request
        if self.action != "list":
            return selectors.product_list(
                tenant=request.tenant, membership=request.membership, include_archived=True
            ).select_related("service")
        archived = request.query_params.get("archived", "false")
        if archived not in ("false", "true", "all"):
            raise ApiError(_("archived must be false, true or all."), code=InventoryErrorCode.INVALID_FILTER)
        category = request.query_params.get("category")
        products = selectors.product_list(
            tenant=request.tenant,
            membership=request.membership,
            service=self.get_service(required=False),
            include_archived=archived != "false",
            search=request.query_params.get("search", "").strip(),
            category=parse_id(category, not_found=NotFound) if category else None,
        )
        return products.filter(archived=True) if archived == "true" else products

    def _with_warnings(self, product, service):
        product.warnings = product_warnings(product, service)
        return ProductWithWarningsSerializer(product, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        params = ProductWriteSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        service = self.get_service()
        product = services.product_create(
            tenant=request.tenant, service=service, actor=request.user, **params.validated_data
        )
        return Response(self._with_warnings(product, service), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        product = self.get_object()
        params = ProductWriteSerializer(
            data=request.data, partial=kwargs.get("partial", False), context={"request": request}
        )
        params.is_valid(raise_exception=True)
        product = services.product_update(
            tenant=request.tenant, product=product, actor=request.user, **params.validated_data
        )
        return Response(self._with_warnings(product, product.service))

    @extend_schema(
        responses={204: None, 200: ProductSerializer}, description="A product with history is archived (200)."
    )
    def destroy(self, request, *args, **kwargs):
        product = self.get_object()
        if services.product_delete(product=product, actor=request.user):
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ProductSerializer(product, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[OpenApiParameter("barcode", OpenApiTypes.STR, required=True), SERVICE_PARAM],
        responses=ProductLookupSerializer,
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        """The product with this barcode: in the requested service first, then the others."""
        barcode = request.query_params.get("barcode", "").strip()
        if not barcode:
            raise ApiError(_("Give a barcode: ?barcode=…"), code=InventoryErrorCode.BARCODE_REQUIRED)
        product = selectors.product_by_barcode(
            tenant=request.tenant,
            membership=request.membership,
            barcode=barcode,
            service=self.get_service(required=False),
        )
        if product is None:
            raise NotFound(_("No product has this barcode."))
        product.history = stats.product_history(tenant=request.tenant, product=product)
        return Response(ProductLookupSerializer(product, context=self.get_serializer_context()).data)


MONTH_PARAM = month_parameter()


def month_filters(view) -> dict:
    """A list's optional `?service=` and `?month=YYYY-MM` filters."""
    month = view.request.query_params.get("month")
    return {"service": view.get_service(required=False), "month": parse_month(month) if month else None}


def client_id_of(request, data: dict) -> str:
    """The client's id for a retry-safe write: the body's `client_id`, or `Idempotency-Key`."""
    return idempotency_key(body_key=data.pop("client_id", ""), header_key=request.headers.get(IDEMPOTENCY_HEADER))


def _detail(count: StockCount) -> dict:
    count.__dict__.update(checklist_totals(count))
    return StockCountDetailSerializer(count).data


@extend_schema_view(
    list=extend_schema(parameters=[SERVICE_PARAM, MONTH_PARAM]),
    retrieve=extend_schema(responses=StockCountDetailSerializer),
    create=extend_schema(
        request=StockCountStartSerializer,
        responses={201: StockCountDetailSerializer, 200: StockCountDetailSerializer},
        parameters=[SERVICE_REQUIRED_PARAM],
    ),
    destroy=extend_schema(
        description="Deletes a month started by mistake: open, nothing counted, no loss dated in it."
    ),
)
class StockCountViewSet(
    TenantScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Inventory months of each service: start one (its checklist is the service's catalogue),
    read its checklist, close it, reopen it, delete it while it is empty."""

    queryset = StockCount.objects.none()
    serializer_class = StockCountSerializer
    permissions = {
        "list": Perm.VIEW_CATALOG,
        "retrieve": Perm.VIEW_CATALOG,
        "checklist": Perm.VIEW_CATALOG,
        "create": Perm.COUNT_STOCK,
        "close": Perm.MANAGE_COUNTS,
        "reopen": Perm.MANAGE_COUNTS,
        "destroy": Perm.MANAGE_COUNTS,
    }
    error_codes = {
        "list": [ServiceNotFound, InvalidMonth],
        "create": [*SERVICE_ERRORS, InvalidMonth, MonthOutOfRange, MonthOutsideHistory],
        "checklist": [INVALID_FILTER],
        "close": [MonthNotStarted, CountEmpty, UncountedProducts],
        "destroy": [CountClosed, CountNotEmpty],
    }

    def get_queryset(self):
        request = self.request
        filters = month_filters(self) if self.action == "list" else {}
        return selectors.count_list(tenant=request.tenant, membership=request.membership, **filters)

    def retrieve(self, request, *args, **kwargs):
        return Response(_detail(self.get_object()))

    def create(self, request, *args, **kwargs):
        params = StockCountStartSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        count, created = counting.count_start(
            tenant=request.tenant, service=self.get_service(), actor=request.user, **params.validated_data
        )
        return Response(_detail(count), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_destroy(self, instance):
        counting.count_delete(count=instance, actor=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("area", OpenApiTypes.INT, description="Only the products kept in this area."),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 1,000."),
        ],
        responses=ChecklistItemSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=MonthPagination)
    def checklist(self, request, pk=None):
        """What to count this month, in shelf order (area, then position on the shelf, then last
        month's order): the service's catalogue, each product with last month's quantity
        (`expected`) and what is counted of it. Read when asked, never copied."""
        count = self.get_object()
        area = request.query_params.get("area")
        if area is not None:
            area = parse_id(area, not_found=NotFound)
        rows = checklist(count=count, area=area)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ChecklistItemSerializer(page, many=True).data)

    @extend_schema(request=StockCountCloseSerializer, responses=StockCountDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        params = StockCountCloseSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        count = counting.count_close(
            count=self.get_object(), actor=request.user, uncounted=params.validated_data.get("uncounted", "")
        )
        return Response(_detail(count))

    @extend_schema(request=None, responses=StockCountDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return Response(_detail(counting.count_reopen(count=self.get_object(), actor=request.user)))


IDEMPOTENCY_KEY_PARAM = OpenApiParameter(
    IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, description="Same as the body's client_id."
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "service",
                OpenApiTypes.INT,
                description="Service id (or X-Service-Id); with `month`, required unless the member is limited to "
                "one service (else 400 SERVICE_REQUIRED).",
            ),
            month_parameter(description="YYYY-MM. One of `month` (with the service) or `count` is required."),
            OpenApiParameter(
                "count",
                OpenApiTypes.INT,
                description="A count's id. One of `count` or `month` is required (else 400 COUNT_REQUIRED).",
            ),
        ],
        description="The counted items of a month (`?service=&month=`) or of one count (`?count=`): one of the "
        "two is required.",
    ),
    create=extend_schema(
        request=CountLineCreateSerializer,
        responses={201: CountLineSerializer, 200: CountLineSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAM],
    ),
    update=extend_schema(request=CountLineWriteSerializer, responses=CountLineSerializer),
    partial_update=extend_schema(request=CountLineWriteSerializer, responses=CountLineSerializer),
)
class CountLineViewSet(TenantModelViewSet):
    """Lines of the monthly counts. Counting a line again sets it (or adds to it with
    `mode: "add"`); a write that carries a client id is applied once."""

    queryset = CountLine.objects.none()
    serializer_class = CountLineSerializer
    pagination_class = MonthPagination
    permissions = crud_permissions(read=Perm.VIEW_CATALOG, write=Perm.COUNT_STOCK)
    error_codes = {
        "list": [*SERVICE_ERRORS, InvalidMonth, (400, InventoryErrorCode.COUNT_REQUIRED)],
        "create": [CountClosed, (400, ErrorCode.INVALID_IDEMPOTENCY_KEY), (409, ErrorCode.IDEMPOTENCY_KEY_REUSED)],
        "update": [CountClosed, LineExists],
        "partial_update": [CountClosed, LineExists],
        "destroy": [CountClosed],
    }

    def get_queryset(self):
        request = self.request
        if self.action != "list":
            return selectors.count_line_list(tenant=request.tenant, membership=request.membership)
        count, month = request.query_params.get("count"), request.query_params.get("month")
        if not count and not month:
            raise ApiError(
                _("Give ?count=<id>, or ?service=<id>&month=YYYY-MM."), code=InventoryErrorCode.COUNT_REQUIRED
            )
        return selectors.count_line_list(
            tenant=request.tenant,
            membership=request.membership,
            count=parse_id(count, not_found=NotFound) if count else None,
            service=self.get_service(required=bool(month)),
            month=parse_month(month) if month else None,
        )

    def list(self, request, *args, **kwargs):
        # Both ways of listing (`?count=`, `?service=&month=`) give the lines of one count,
        # which the member sees whole or not at all: its line_count is the listing's total.
        lines = self.get_queryset()
        return self.paginator.rows_response(lines, self._rows(), request, self, total=F("count__line_count"))

    def _rows(self):
        hidden = self.get_serializer_context()["hide_purchase_costs"]
        return count_line_rows(self.request.tenant.currency, hide_purchase_costs=hidden)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._row(parse_id(kwargs["pk"], not_found=NotFound)))

    def _row(self, pk: int) -> dict:
        # Read through the selector: the line value comes from the one definition of the
        # effective quantity (selectors.EFFECTIVE_QUANTITY).
        rows = self._rows()
        row = rows.rows(self.get_queryset()).filter(pk=pk).first()
        if row is None:
            raise NotFound()
        return rows.to_representation(row)

    def create(self, request, *args, **kwargs):
        params = CountLineCreateSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        count = data.pop("count")
        client_id = client_id_of(request, data)
        visible = selectors.count_list(tenant=request.tenant, membership=request.membership).filter(pk=count.pk)
        if not visible.exists():
            raise NotFound()
        line, created = counting.line_count(count=count, actor=request.user, client_id=client_id, **data)
        return Response(self._row(line.pk), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def update(self, request, *args, **kwargs):
        line = self.get_object()
        params = CountLineWriteSerializer(
            data=request.data, partial=kwargs.get("partial", False), context={"request": request}
        )
        params.is_valid(raise_exception=True)
        line = counting.line_update(line=line, actor=request.user, **params.validated_data)
        return Response(self._row(line.pk))

    def perform_destroy(self, instance):
        counting.line_delete(line=instance, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(parameters=[SERVICE_PARAM, MONTH_PARAM]),
    create=extend_schema(
        request=LossCreateSerializer,
        responses={201: LossSerializer, 200: LossSerializer},
        parameters=[SERVICE_PARAM, IDEMPOTENCY_KEY_PARAM],
    ),
    update=extend_schema(request=LossWriteSerializer, responses=LossSerializer),
    partial_update=extend_schema(request=LossWriteSerializer, responses=LossSerializer),
)
class LossViewSet(TenantModelViewSet):
    """Losses (breakage, expiry, theft…). Recording needs the `loss_management` entitlement;
    reading stays possible after a downgrade. A loss dated in a closed month cannot be
    recorded, changed or deleted (409 MONTH_CLOSED), nor dated after today (400
    LOSS_IN_FUTURE). An operator changes and deletes only the losses they recorded: another
    member's answers 404, as a loss that is not theirs to change."""

    queryset = Loss.objects.none()
    serializer_class = LossSerializer
    permissions = crud_permissions(read=Perm.VIEW_CATALOG, write=Perm.RECORD_LOSSES)
    error_codes = {
        "list": [ServiceNotFound, InvalidMonth],
        "create": [
            ServiceNotFound,
            FeatureNotIncluded,
            MonthClosed,
            LOSS_IN_FUTURE,
            (400, ErrorCode.INVALID_IDEMPOTENCY_KEY),
            (409, ErrorCode.IDEMPOTENCY_KEY_REUSED),
        ],
        "update": [FeatureNotIncluded, MonthClosed, LOSS_IN_FUTURE],
        "partial_update": [FeatureNotIncluded, MonthClosed, LOSS_IN_FUTURE],
        "destroy": [FeatureNotIncluded, MonthClosed],
    }

    def get_queryset(self):
        request = self.request
        filters = month_filters(self) if self.action == "list" else {}
        if self.action in ("update", "partial_update", "destroy"):
            filters["editable_by"] = request.user
        return selectors.loss_list(tenant=request.tenant, membership=request.membership, **filters)

    def create(self, request, *args, **kwargs):
        params = LossCreateSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        client_id = client_id_of(request, data)
        # The product says which service lost it; a member limited to a service is held to it.
        service = self.get_service(required=False) or data["product"].service
        loss, created = losses.loss_record(
            tenant=request.tenant, service=service, actor=request.user, client_id=client_id, **data
        )
        return Response(
            self.get_serializer(loss).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def update(self, request, *args, **kwargs):
        loss = self.get_object()
        params = LossWriteSerializer(
            data=request.data, partial=kwargs.get("partial", False), context={"request": request}
        )
        params.is_valid(raise_exception=True)
        loss = losses.loss_update(loss=loss, actor=request.user, **params.validated_data)
        return Response(self.get_serializer(loss).data)

    def perform_destroy(self, instance):
        losses.loss_delete(loss=instance, actor=self.request.user)


class InventoryStatsView(TenantAPIView):
    """A month's stock value, potential sales and margin, by category, with its losses and the
    change from the previous month (this month by default). `service=all` needs
    `multi_service_analytics`; the answer's `service` is the service's id, or null for all."""

    permissions = {"GET": Perm.VIEW_STATS}
    error_codes = [*SERVICE_ERRORS, InvalidMonth, FeatureNotIncluded, MonthOutsideHistory]

    @extend_schema(
        parameters=[
            month_parameter(description="YYYY-MM; this month by default."),
            OpenApiParameter(
                "service",
                OpenApiTypes.STR,
                required=True,
                description='A service id, or "all". Required (400 SERVICE_REQUIRED) unless sent as X-Service-Id '
                "or the member is limited to one service.",
            ),
        ],
        responses=InventoryStatsSerializer,
    )
    def get(self, request):
        month_param = request.query_params.get("month")
        month = parse_month(month_param) if month_param else current_period(request.tenant)
        service = None if request.query_params.get("service") == "all" else self.get_service()
        body = stats.inventory_stats(tenant=request.tenant, membership=request.membership, month=month, service=service)
        return Response({**body, "service": service.pk if service else None})


class AlertsView(TenantGenericAPIView):
    """This month's alerts: products under their minimum (`alerts_stock`) and stock whose
    DLC is within 30 days or DDM within 90 (`alerts_expiry`). Paginated in the database."""

    permissions = {"GET": Perm.VIEW_CATALOG}
    serializer_class = AlertSerializer
    error_codes = [ServiceNotFound, InvalidMonth, INVALID_FILTER, FeatureNotIncluded, MonthOutsideHistory]

    @extend_schema(
        parameters=[
            SERVICE_PARAM,
            month_parameter(description="YYYY-MM; this month by default."),
            OpenApiParameter("type", OpenApiTypes.STR, enum=[alerts.LOW_STOCK, alerts.EXPIRY]),
        ],
        responses=AlertPageSerializer,
    )
    def get(self, request):
        tenant = request.tenant
        month_param = request.query_params.get("month")
        month = parse_month(month_param) if month_param else current_period(tenant)
        kind = request.query_params.get("type")
        if kind is not None and kind not in alerts.KIND_FEATURES:
            raise ApiError(_("type must be low_stock or expiry."), code=InventoryErrorCode.INVALID_FILTER)
        service = self.get_service(required=False)
        service_ids = [service.pk] if service else visible_service_ids(request.membership)
        today = tenant.today()
        rows = alerts.alert_rows(tenant=tenant, service_ids=service_ids, month=month, today=today, kind=kind)
        page = [dict(zip(alerts.COLUMNS, row, strict=True)) for row in self.paginate_queryset(rows)]
        hidden = self.get_serializer_context()["hide_purchase_costs"]
        found = [_alert(row, today, currency=None if hidden else tenant.currency) for row in page]
        response = self.get_paginated_response(AlertSerializer(found, many=True).data)
        excluded = alerts.excluded_kinds(tenant, kind)
        response.data["excluded"] = AlertExclusionSerializer(excluded, many=True).data
        return response


def _alert(row: dict, today, *, currency: str | None) -> dict:
    """An alert row as the API shows it; `currency` None hides its value (a member who may
    not see purchase costs)."""
    expiry = row["alert_expiry_date"]
    value = row["alert_value"]
    return {
        "kind": row["kind"],
        "product": row["product_id"],
        "product_name": row["product_name"],
        "service": row["service_id"],
        "line": row["line_id"],
        "quantity": row["alert_quantity"],
        "min_quantity": row["alert_min_quantity"],
        "expiry_date": expiry,
        "expiry_kind": row["alert_expiry_kind"],
        "lot": row["alert_lot"],
        "days_left": (expiry - today).days if expiry else None,
        "unit": row["alert_unit"],
        "value": str(quantize_money(value, currency)) if currency and value is not None else None,
    }
