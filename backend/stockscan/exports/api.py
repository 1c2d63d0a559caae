from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from stockscan.core.months import InvalidMonth, format_month, month_parameter, parse_month
from stockscan.entitlements.errors import EntitlementsErrorCode, FeatureNotIncluded, MonthOutsideHistory
from stockscan.exports import services
from stockscan.exports.base import CONTENT_TYPES, FileFormat, exporter_class
from stockscan.exports.errors import ExportEmailsThrottled, InvalidMonthRange, MonthRangeTooLong
from stockscan.exports.inventory import ALL_SERVICES
from stockscan.exports.rendering import attachment_disposition
from stockscan.exports.serializers import (
    EmailedExportQueuedSerializer,
    ExportQuerySerializer,
    MonthExportQuerySerializer,
)
from stockscan.orgs.errors import OrgsErrorCode
from stockscan.orgs.tenancy.permissions import Perm
from stockscan.orgs.tenancy.resolution import ServiceNotFound, requested_service_id
from stockscan.orgs.tenancy.views import TenantAPIView

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


class ExportView(_ExportView):
    """The stock of one or more months (at most 24) and services, as CSV (streamed; `;` and
    decimal commas for French Excel by default, `sep=,` for a comma and decimal points) or
    XLSX (inventory, losses and, with `reports_advanced`, a summary per category). With
    `email=`, the file is built in the background and emailed to those members of the
    business (`exports_email`): the answer is 202. Each format has its monthly quota."""

    error_codes = [
        InvalidMonthRange,
        MonthRangeTooLong,
        (403, EntitlementsErrorCode.LIMIT_EXPORT_CSV_MONTH),
        (403, EntitlementsErrorCode.LIMIT_EXPORT_XLSX_MONTH),
        ExportEmailsThrottled,
    ]

    @extend_schema(
        parameters=[
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
            OpenApiParameter("email", OpenApiTypes.STR, description="Members' addresses, comma-separated (≤ 5)."),
            OpenApiParameter("message", OpenApiTypes.STR, description="A note for the email (with email=)."),
        ],
        responses={**_FILE_RESPONSES, 202: EmailedExportQueuedSerializer},
    )
    def get(self, request):
        params = ExportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        delivery = params.validated_data
        file_format = FileFormat(delivery["format"])
        # The service, as everywhere: `?service=`, else the X-Service-Id header; here also "all".
        options = {**request.query_params.dict(), "service": requested_service_id(request) or ALL_SERVICES}
        exporter = self.make_exporter(options)
        if "email" in delivery:
            job = services.emailed_export_queue(
                exporter=exporter,
                actor=request.user,
                file_format=file_format,
                csv_separator=delivery["sep"],
                recipient_emails=delivery["email"],
                message=delivery.get("message", ""),
            )
            body = {"status": "queued", "export": job.pk, "format": file_format, "recipients": delivery["email"]}
            return Response(EmailedExportQueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)
        if file_format == FileFormat.XLSX:
            return file_response(services.xlsx_download(exporter=exporter, actor=request.user))
        return stream_response(services.csv_download(exporter=exporter, actor=request.user, separator=delivery["sep"]))


class MonthExportView(_ExportView):
    """One service's month (this month by default) as an XLSX file: inventory, losses and,
    with `reports_advanced`, a summary per category. Draws on the monthly XLSX quota."""

    error_codes = [(400, OrgsErrorCode.SERVICE_REQUIRED), (403, EntitlementsErrorCode.LIMIT_EXPORT_XLSX_MONTH)]

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
        params = MonthExportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        month = params.validated_data.get("month")
        month = format_month(parse_month(month)) if month else ""
        service = self.get_service()
        exporter = self.make_exporter({"from": month, "to": month, "service": str(service.pk), "mode": "all"})
        return file_response(services.xlsx_download(exporter=exporter, actor=request.user))
