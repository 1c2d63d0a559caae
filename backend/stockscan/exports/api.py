from collections.abc import Mapping

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from stockscan.accounts.throttles import InvitationLinkIPThrottle
from stockscan.core.idempotency import (
    IDEMPOTENCY_HEADER,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    idempotency_key,
)
from stockscan.core.months import InvalidMonth, format_month, month_parameter, parse_month
from stockscan.entitlements.errors import EntitlementsErrorCode, FeatureNotIncluded, MonthOutsideHistory
from stockscan.exports import selectors, services
from stockscan.exports.base import CONTENT_TYPES, FileFormat, exporter_class
from stockscan.exports.errors import (
    EmailNeedsPost,
    ExportEmailsThrottled,
    InvalidMonthRange,
    MonthRangeTooLong,
    RecipientAlreadyAdded,
    RecipientIsMember,
    RecipientLimitReached,
    RecipientLinkInvalid,
    RecipientNotAllowed,
    RecipientNotPending,
    RecipientRateLimited,
    RecipientResendTooSoon,
    RecipientSendLimit,
)
from stockscan.exports.inventory import ALL_SERVICES
from stockscan.exports.models import ExportRecipient
from stockscan.exports.rendering import attachment_disposition
from stockscan.exports.serializers import (
    EmailedExportQueuedSerializer,
    EmailedExportRequestSerializer,
    ExportQuerySerializer,
    ExportRecipientCreateSerializer,
    ExportRecipientSerializer,
    MonthExportQuerySerializer,
    RecipientConfirmedSerializer,
    RecipientTokenSerializer,
)
from stockscan.orgs.errors import OrgsErrorCode
from stockscan.orgs.tenancy.permissions import Perm
from stockscan.orgs.tenancy.resolution import ServiceNotFound, requested_service_id
from stockscan.orgs.tenancy.views import TenantAPIView, TenantScopedMixin

_FILE_RESPONSES = {
    (200, CONTENT_TYPES[FileFormat.CSV].split(";")[0]): OpenApiTypes.BINARY,
    (200, CONTENT_TYPES[FileFormat.XLSX]): OpenApiTypes.BINARY,
}


class ExportContentNegotiation(DefaultContentNegotiation):
    """On the export routes `?format=` names the file format, not one of DRF's renderers:
    answers that are not files (errors, "queued") are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _ExportView(TenantAPIView):
    permissions = {"GET": Perm.EXPORT_DATA}
    error_codes = [ServiceNotFound, InvalidMonth, MonthOutsideHistory, FeatureNotIncluded]
    content_negotiation_class = ExportContentNegotiation
    exporter = "inventory"

    def make_exporter(self, options):
        request = self.request
        return exporter_class(self.exporter)(tenant=request.tenant, membership=request.membership, options=options)


def _attachment(response, filename: str):
    response["Content-Disposition"] = attachment_disposition(filename)
    response["Cache-Control"] = "private, no-store"
    return response


def file_response(export: services.ExportFile) -> FileResponse:
    return _attachment(FileResponse(export.file, content_type=export.content_type), export.filename)


def stream_response(export: services.ExportStream) -> StreamingHttpResponse:
    return _attachment(StreamingHttpResponse(export.chunks, content_type=export.content_type), export.filename)


DOWNLOAD_PARAMETERS = [
    OpenApiParameter("format", OpenApiTypes.STR, enum=FileFormat.values, required=True),
    month_parameter("from", description="YYYY-MM; this month by default."),
    month_parameter("to", description="YYYY-MM; `from` by default."),
    OpenApiParameter("service", OpenApiTypes.STR, description='A service id, or "all" (default).'),
    OpenApiParameter("mode", OpenApiTypes.STR, enum=["all", "sealed", "opened"], description="Containers."),
    OpenApiParameter(
        "kind",
        OpenApiTypes.STR,
        enum=["inventory", "losses", "summary"],
        description="The sheet a CSV holds (default inventory); an XLSX holds all three.",
    ),
    OpenApiParameter("sep", OpenApiTypes.STR, enum=[";", ","], description="CSV separator (default ;)."),
]
IDEMPOTENCY_PARAM = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The same request sent again with the same key answers the first export, and uses no quota.",
)
# Query parameters that once emailed the file from a GET: a GET only downloads now.
EMAIL_PARAMS = ("email", "message")


def refuse_email_on_get(request) -> None:
    """A GET that asks for an email is refused, not downloaded: the client expects an email
    and would otherwise use a quota unit for a file nobody receives."""
    if any(name in request.query_params for name in EMAIL_PARAMS):
        raise EmailNeedsPost()


def _body_options(data) -> dict[str, str]:
    """The exporter's options from a JSON body, as strings like a query string's."""
    if not isinstance(data, Mapping):
        return {}
    return {
        name: str(value)
        for name, value in data.items()
        if isinstance(value, str | int) and not isinstance(value, bool) and name not in ("email", "message")
    }


class ExportView(_ExportView):
    """The stock of one or more months (at most 24) and services, as CSV (streamed; `;` and
    decimal commas for French Excel by default, `sep=,` for a comma and decimal points) or
    XLSX (inventory, losses and a summary per category and unit). A GET
    downloads the file; a POST with `email` builds it in the background and emails it
    (`exports_email`): the answer is 202. Each format has its monthly quota."""

    permissions = {"GET": Perm.EXPORT_DATA, "POST": Perm.EXPORT_DATA}
    error_codes = {
        "GET": [
            InvalidMonthRange,
            MonthRangeTooLong,
            EmailNeedsPost,
            (403, EntitlementsErrorCode.LIMIT_EXPORT_CSV_MONTH),
            (403, EntitlementsErrorCode.LIMIT_EXPORT_XLSX_MONTH),
        ],
        "POST": [
            InvalidMonthRange,
            MonthRangeTooLong,
            RecipientNotAllowed,
            InvalidIdempotencyKey,
            IdempotencyKeyReused,
            (403, EntitlementsErrorCode.LIMIT_EXPORT_CSV_MONTH),
            (403, EntitlementsErrorCode.LIMIT_EXPORT_XLSX_MONTH),
            ExportEmailsThrottled,
        ],
    }

    @extend_schema(parameters=DOWNLOAD_PARAMETERS, responses=_FILE_RESPONSES)
    def get(self, request):
        refuse_email_on_get(request)
        params = ExportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        delivery = params.validated_data
        file_format = FileFormat(delivery["format"])
        exporter = self.make_exporter(self._options(request.query_params.dict()))
        if file_format == FileFormat.XLSX:
            return file_response(services.xlsx_download(exporter=exporter, actor=request.user))
        return stream_response(services.csv_download(exporter=exporter, actor=request.user, separator=delivery["sep"]))

    @extend_schema(
        summary="Email an export",
        request=EmailedExportRequestSerializer,
        parameters=[IDEMPOTENCY_PARAM],
        responses={202: EmailedExportQueuedSerializer},
    )
    def post(self, request):
        """Queues the file for members of the business or its confirmed outside recipients
        (`email`: their addresses), with the options a GET takes in the body. One unit of the
        format's quota is used when the export is accepted (given back if it can never be
        sent); sent again with the same `Idempotency-Key`, it answers the first export."""
        params = EmailedExportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        delivery = params.validated_data
        key = idempotency_key(body_key="", header_key=request.headers.get(IDEMPOTENCY_HEADER))
        file_format = FileFormat(delivery["format"])
        exporter = self.make_exporter(self._options(_body_options(request.data)))
        job, _created = services.emailed_export_queue(
            exporter=exporter,
            actor=request.user,
            file_format=file_format,
            csv_separator=delivery["sep"],
            recipient_emails=delivery["email"],
            message=delivery["message"],
            idempotency_key=key,
        )
        body = {"status": "queued", "export": job.pk, "format": job.file_format, "recipients": job.recipient_addresses}
        return Response(EmailedExportQueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)

    def _options(self, options: dict) -> dict:
        # The service, as everywhere: `?service=` (or the body's), else the X-Service-Id header; here also "all".
        return {**options, "service": requested_service_id(self.request) or ALL_SERVICES}


class MonthExportView(_ExportView):
    """One service's month (this month by default) as an XLSX file: inventory, losses and a
    summary per category and unit. Draws on the monthly XLSX quota."""

    error_codes = [
        (400, OrgsErrorCode.SERVICE_REQUIRED),
        EmailNeedsPost,
        (403, EntitlementsErrorCode.LIMIT_EXPORT_XLSX_MONTH),
    ]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "service",
                OpenApiTypes.INT,
                required=True,
                description="Service id. Required (400 SERVICE_REQUIRED) unless sent as X-Service-Id or the member "
                "is limited to one service.",
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=[FileFormat.XLSX]),
            month_parameter(description="YYYY-MM; this month by default."),
        ],
        responses={(200, CONTENT_TYPES[FileFormat.XLSX]): OpenApiTypes.BINARY},
    )
    def get(self, request):
        refuse_email_on_get(request)
        params = MonthExportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        month = params.validated_data.get("month")
        month = format_month(parse_month(month)) if month else ""
        service = self.get_service()
        exporter = self.make_exporter({"from": month, "to": month, "service": str(service.pk), "mode": "all"})
        return file_response(services.xlsx_download(exporter=exporter, actor=request.user))


# --- Outside recipients


@extend_schema_view(
    create=extend_schema(request=ExportRecipientCreateSerializer, responses={201: ExportRecipientSerializer}),
    destroy=extend_schema(summary="Remove an outside recipient", responses={204: None}),
)
class ExportRecipientViewSet(
    TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """People outside the business (its accountant) whom exports may be emailed to without a
    seat: at most 3, each receiving exports only once it has confirmed its address through the
    link emailed to it. The owner adds, removes and resends; owners and managers (who email
    exports) read the list."""

    queryset = ExportRecipient.objects.none()
    serializer_class = ExportRecipientSerializer
    permissions = {
        "list": Perm.VIEW_MEMBERS,
        "retrieve": Perm.VIEW_MEMBERS,
        "create": Perm.MANAGE_MEMBERS,
        "destroy": Perm.MANAGE_MEMBERS,
        "resend": Perm.MANAGE_MEMBERS,
    }
    error_codes = {
        "create": [
            FeatureNotIncluded,
            RecipientLimitReached,
            RecipientAlreadyAdded,
            RecipientIsMember,
            RecipientRateLimited,
        ],
        "resend": [FeatureNotIncluded, RecipientNotPending, RecipientResendTooSoon, RecipientSendLimit],
    }

    def get_queryset(self):
        return selectors.recipient_list(tenant=self.request.tenant)

    def create(self, request, *args, **kwargs):
        params = ExportRecipientCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        recipient = services.recipient_add(tenant=request.tenant, actor=request.user, **params.validated_data)
        return Response(ExportRecipientSerializer(recipient).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.recipient_remove(recipient=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Email a waiting recipient a new confirmation link",
        request=None,
        responses=ExportRecipientSerializer,
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        recipient = services.recipient_resend(recipient=self.get_object(), actor=request.user)
        return Response(ExportRecipientSerializer(recipient).data)


class ExportRecipientConfirmView(APIView):
    """The confirmation link's page posts its token here: anyone holding the link may confirm.
    Unknown, expired, used and removed links all answer 410 RECIPIENT_LINK_INVALID, alike."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [InvitationLinkIPThrottle]
    error_codes = [RecipientLinkInvalid]

    @extend_schema(request=RecipientTokenSerializer, responses=RecipientConfirmedSerializer, auth=[])
    def post(self, request):
        params = RecipientTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        recipient = services.recipient_confirm(raw_token=params.validated_data["token"])
        body = {
            "detail": _("Your address is confirmed: %(business)s can now email you its exports.")
            % {"business": recipient.tenant.name},
            "business": recipient.tenant.name,
        }
        return Response(RecipientConfirmedSerializer(body).data)
