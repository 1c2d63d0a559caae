from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from stockscan.core.errors import ErrorCode
from stockscan.core.idempotency import IDEMPOTENCY_HEADER, idempotency_key
from stockscan.credits import selectors
from stockscan.credits.errors import (
    AccessCodeInvalid,
    AlreadyReversed,
    CreditLimitExceeded,
    CustomerArchived,
    ManagerOnly,
    NoEmail,
    NothingOwed,
    Overpayment,
    ReversalNotReversible,
    StatementLinkInvalid,
)
from stockscan.credits.exporters import StatementExporter
from stockscan.credits.links import statement_link_url
from stockscan.credits.models import CreditEntry, CreditLine, Customer, EntryKind, LedgerEntry, PaymentEntry
from stockscan.credits.serializers import (
    AccessCodeSerializer,
    AccessRequestSerializer,
    CreditCreateSerializer,
    CreditSettingsSerializer,
    CustomerCreatedSerializer,
    CustomerFilterSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
    CustomerWriteSerializer,
    DashboardSerializer,
    EntryFilterSerializer,
    EntrySerializer,
    PaymentCreateSerializer,
    PublicStatementSerializer,
    ReminderSerializer,
    ReverseSerializer,
    StatementLinkSerializer,
    StatementQuerySerializer,
    StatementSendSerializer,
    StatementSentSerializer,
    StatementSerializer,
    StatementTokenSerializer,
)
from stockscan.credits.services import access, customers, ledger, reminders
from stockscan.credits.throttles import (
    CustomerAccessIPThrottle,
    CustomerAccessPrefixThrottle,
    StatementLinkIPThrottle,
)
from stockscan.entitlements.errors import EntitlementsErrorCode, FeatureNotIncluded
from stockscan.exports.api import ExportContentNegotiation, file_response, stream_response
from stockscan.exports.base import FileFormat
from stockscan.exports.services import csv_download, xlsx_download
from stockscan.orgs.tenancy.permissions import Perm
from stockscan.orgs.tenancy.views import TenantAPIView, TenantScopedMixin

IDEMPOTENCY_KEY_PARAM = OpenApiParameter(
    IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, description="Same as the body's client_id."
)
IDEMPOTENCY_ERRORS = [(400, ErrorCode.INVALID_IDEMPOTENCY_KEY), (409, ErrorCode.IDEMPOTENCY_KEY_REUSED)]


def _currency_context(view) -> dict:
    return {"currency": view.request.tenant.currency}


class CreditBookMixin(TenantScopedMixin):
    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_currency_context(self)}

    def with_figures(self, customers_page: list[Customer]) -> list[Customer]:
        """The page's customers with what they owe overdue and their next due date: one query."""
        figures = selectors.customer_figures(
            tenant=self.request.tenant, customer_ids=[c.pk for c in customers_page], today=self.request.tenant.today()
        )
        for customer in customers_page:
            found = figures.get(customer.pk, selectors.CustomerFigures())
            customer.overdue_amount = found.overdue_amount
            customer.next_due_date = found.next_due_date
        return customers_page


@extend_schema_view(
    list=extend_schema(parameters=[CustomerFilterSerializer]),
    create=extend_schema(request=CustomerWriteSerializer, responses={201: CustomerCreatedSerializer}),
    update=extend_schema(request=CustomerUpdateSerializer, responses=CustomerSerializer),
    partial_update=extend_schema(request=CustomerUpdateSerializer, responses=CustomerSerializer),
)
class CustomerViewSet(CreditBookMixin, viewsets.ModelViewSet):
    """The credit book's customers, with their balance and what is overdue. Never deleted while
    they have entries: DELETE archives them (200) instead."""

    queryset = Customer.objects.none()
    serializer_class = CustomerSerializer
    permissions = {
        "list": Perm.VIEW_CREDITS,
        "retrieve": Perm.VIEW_CREDITS,
        "create": Perm.RECORD_CREDITS,
        "update": Perm.RECORD_CREDITS,
        "partial_update": Perm.RECORD_CREDITS,
        "destroy": Perm.MANAGE_CREDITS,
        "access_code": Perm.MANAGE_CREDITS,
        "statement_link": Perm.MANAGE_CREDITS,
        "statement": Perm.VIEW_CREDITS,
        "send_statement": Perm.RECORD_CREDITS,
        "remind": Perm.RECORD_CREDITS,
    }
    _PLAN_ERRORS = [FeatureNotIncluded, (403, EntitlementsErrorCode.LIMIT_MAX_CUSTOMERS)]
    _QUOTA_ERRORS = [
        (403, EntitlementsErrorCode.LIMIT_EXPORT_CSV_MONTH),
        (403, EntitlementsErrorCode.LIMIT_EXPORT_XLSX_MONTH),
    ]
    error_codes = {
        "statement": _QUOTA_ERRORS,
        "send_statement": [*_QUOTA_ERRORS, NoEmail],
        "remind": [NothingOwed],
        "create": _PLAN_ERRORS,
        "update": [*_PLAN_ERRORS, ManagerOnly],
        "partial_update": [*_PLAN_ERRORS, ManagerOnly],
    }

    def get_queryset(self):
        request = self.request
        if self.action != "list":
            return selectors.customer_list(tenant=request.tenant, archived="all")
        filters = CustomerFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.customer_list(tenant=request.tenant, today=request.tenant.today(), **filters.validated_data)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = self.with_figures(list(page))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _answer(self, customer: Customer, *, serializer=CustomerSerializer, status_code=status.HTTP_200_OK, **extra):
        customer = self.get_queryset().get(pk=customer.pk)
        for name, value in extra.items():
            setattr(customer, name, value)
        self.with_figures([customer])
        return Response(serializer(customer, context=self.get_serializer_context()).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    def create(self, request, *args, **kwargs):
        params = CustomerWriteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        customer, code = customers.customer_create(tenant=request.tenant, actor=request.user, **params.validated_data)
        return self._answer(
            customer, serializer=CustomerCreatedSerializer, status_code=status.HTTP_201_CREATED, access_code=code
        )

    def update(self, request, *args, **kwargs):
        customer = self.get_object()
        params = CustomerUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        params.is_valid(raise_exception=True)
        customer = customers.customer_update(
            tenant=request.tenant,
            customer=customer,
            actor=request.user,
            membership=request.membership,
            **params.validated_data,
        )
        return self._answer(customer)

    @extend_schema(responses={204: None, 200: CustomerSerializer}, description="A customer with entries is archived.")
    def destroy(self, request, *args, **kwargs):
        customer = self.get_object()
        if customers.customer_remove(tenant=request.tenant, customer=customer, actor=request.user):
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self._answer(customer)

    @extend_schema(request=None, responses=AccessCodeSerializer)
    @action(detail=True, methods=["post"], url_path="access-code")
    def access_code(self, request, pk=None):
        """A new access code for the customer, shown this once; the old one stops working."""
        code = customers.access_code_regenerate(tenant=request.tenant, customer=self.get_object(), actor=request.user)
        return Response({"access_code": code})

    @extend_schema(
        methods=["POST"],
        request=None,
        responses=StatementLinkSerializer,
        description="A signed, expiring link to the customer's read-only statement.",
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, description="Revokes every link sent.")
    @action(detail=True, methods=["post", "delete"], url_path="statement-link")
    def statement_link(self, request, pk=None):
        customer = self.get_object()
        if request.method == "DELETE":
            customers.statement_links_revoke(tenant=request.tenant, customer=customer, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        token = customers.statement_link_token(tenant=request.tenant, customer=customer, actor=request.user)
        expires_at = timezone.now() + timedelta(days=settings.CREDIT_STATEMENT_LINK_DAYS)
        return Response({"url": statement_link_url(token), "token": token, "expires_at": expires_at})

    def _statement_exporter(self, customer: Customer, period: dict) -> StatementExporter:
        options = {"customer": customer.pk, "start": period.get("start"), "end": period.get("end")}
        return StatementExporter(tenant=self.request.tenant, membership=self.request.membership, options=options)

    @extend_schema(
        parameters=[StatementQuerySerializer],
        responses={
            200: StatementSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
        },
        description="The customer's statement for a period: opening balance, each entry with the running "
        "balance, closing balance. As JSON, or a CSV/XLSX file (monthly export quotas).",
    )
    @action(detail=True, methods=["get"], content_negotiation_class=ExportContentNegotiation)
    def statement(self, request, pk=None):
        customer = self.get_object()
        params = StatementQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        period = params.validated_data
        file_format = period.pop("format")
        if file_format == FileFormat.XLSX:
            return file_response(xlsx_download(exporter=self._statement_exporter(customer, period), actor=request.user))
        if file_format == FileFormat.CSV:
            exporter = self._statement_exporter(customer, period)
            return stream_response(csv_download(exporter=exporter, actor=request.user, separator=";"))
        found = selectors.statement(
            customer=customer, start=period.get("start"), end=period.get("end") or request.tenant.today()
        )
        return Response(StatementSerializer(found, context=self.get_serializer_context()).data)

    @extend_schema(request=StatementSendSerializer, responses={202: StatementSentSerializer})
    @action(detail=True, methods=["post"], url_path="send-statement")
    def send_statement(self, request, pk=None):
        """Emails the statement file to the customer (through the outbox; monthly export quotas)."""
        customer = self.get_object()
        params = StatementSendSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        period = dict(params.validated_data)
        file_format = FileFormat(period.pop("format"))
        reminders.statement_email(
            exporter=self._statement_exporter(customer, period), actor=request.user, file_format=file_format
        )
        body = {"status": "queued", "email": customer.email, "format": file_format}
        return Response(StatementSentSerializer(body).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=ReminderSerializer)
    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        """A reminder to send from the shopkeeper's phone (WhatsApp link, SMS text) with a fresh
        statement link; also emailed (outbox) when the customer has an address."""
        body = reminders.customer_remind(tenant=request.tenant, customer=self.get_object(), actor=request.user)
        return Response(ReminderSerializer(body, context=self.get_serializer_context()).data)


def _entries_page(view, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """The page's entries with their status and remaining amount (credits): one query."""
    statuses = selectors.entry_statuses(tenant=view.request.tenant, entries=entries, today=view.request.tenant.today())
    for entry in entries:
        entry.remaining, entry.status = statuses[entry.pk]
        entry.line_list = list(entry.lines.all())
    return entries


def _with_lines(entries):
    return entries.prefetch_related(Prefetch("lines", queryset=CreditLine.objects.order_by("id")))


class EntryListMixin(CreditBookMixin):
    serializer_class = EntrySerializer
    kind: str | None = None

    def get_queryset(self):
        filters = EntryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return _with_lines(
            selectors.entry_list(
                tenant=self.request.tenant, kind=self.kind, customer=filters.validated_data.get("customer")
            )
        )

    def list(self, request, *args, **kwargs):
        page = _entries_page(self, list(self.paginate_queryset(self.get_queryset())))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def entry_answer(self, entry: LedgerEntry, created: bool = False) -> Response:
        entry = _with_lines(selectors.entry_list(tenant=self.request.tenant)).get(pk=entry.pk)
        _entries_page(self, [entry])
        return Response(
            EntrySerializer(entry, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _client_id(request, data: dict) -> str:
    return idempotency_key(body_key=data.pop("client_id", ""), header_key=request.headers.get(IDEMPOTENCY_HEADER))


_ENTRY_WRITE_ERRORS = [FeatureNotIncluded, CustomerArchived, *IDEMPOTENCY_ERRORS]


@extend_schema_view(
    list=extend_schema(parameters=[EntryFilterSerializer]),
    create=extend_schema(
        request=CreditCreateSerializer,
        responses={201: EntrySerializer, 200: EntrySerializer},
        parameters=[IDEMPOTENCY_KEY_PARAM],
        description="Records a credit (what the customer takes without paying). A retry with the same "
        "Idempotency-Key answers the first entry (200).",
    ),
)
class CreditViewSet(EntryListMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Credits: what customers owe, newest first, with each one's status."""

    queryset = CreditEntry.objects.none()
    kind = EntryKind.CREDIT
    permissions = {"list": Perm.VIEW_CREDITS, "create": Perm.RECORD_CREDITS}
    error_codes = {"create": [*_ENTRY_WRITE_ERRORS, CreditLimitExceeded, ManagerOnly]}

    def create(self, request, *args, **kwargs):
        params = CreditCreateSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        client_id = _client_id(request, data)
        entry, created = ledger.credit_record(
            tenant=request.tenant,
            actor=request.user,
            membership=request.membership,
            client_id=client_id,
            **data,
        )
        return self.entry_answer(entry, created)


@extend_schema_view(
    list=extend_schema(parameters=[EntryFilterSerializer]),
    create=extend_schema(
        request=PaymentCreateSerializer,
        responses={201: EntrySerializer, 200: EntrySerializer},
        parameters=[IDEMPOTENCY_KEY_PARAM],
        description="Records a payment; it settles the customer's oldest credits first. More than the balance: "
        "400 OVERPAYMENT.",
    ),
)
class PaymentViewSet(EntryListMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Payments received from customers, newest first."""

    queryset = PaymentEntry.objects.none()
    kind = EntryKind.PAYMENT
    permissions = {"list": Perm.VIEW_CREDITS, "create": Perm.RECORD_CREDITS}
    error_codes = {"create": [*_ENTRY_WRITE_ERRORS, Overpayment]}

    def create(self, request, *args, **kwargs):
        params = PaymentCreateSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        client_id = _client_id(request, data)
        entry, created = ledger.payment_record(tenant=request.tenant, actor=request.user, client_id=client_id, **data)
        return self.entry_answer(entry, created)


@extend_schema_view(list=extend_schema(parameters=[EntryFilterSerializer]))
class EntryViewSet(EntryListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The whole ledger (credits, payments, reversals), newest first. Entries are never edited
    or deleted: a mistake is reversed (owners and managers)."""

    queryset = LedgerEntry.objects.none()
    permissions = {"list": Perm.VIEW_CREDITS, "retrieve": Perm.VIEW_CREDITS, "reverse": Perm.MANAGE_CREDITS}
    error_codes = {"reverse": [AlreadyReversed, ReversalNotReversible]}

    def get_queryset(self):
        if self.action == "list":
            return super().get_queryset()
        return selectors.entry_list(tenant=self.request.tenant)

    def retrieve(self, request, *args, **kwargs):
        return self.entry_answer(self.get_object())

    @extend_schema(request=ReverseSerializer, responses={201: EntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        entry = self.get_object()
        params = ReverseSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        reversal = ledger.entry_reverse(
            tenant=request.tenant, entry=entry, actor=request.user, reason=params.validated_data["reason"]
        )
        return self.entry_answer(reversal, created=True)


class DashboardView(TenantAPIView):
    """The credit book at a glance: outstanding, overdue, collected this month, customers owing,
    top debtors, and what is owed by age (0-30, 31-60, 61-90, 90+ days)."""

    permissions = {"GET": Perm.VIEW_CREDITS}

    @extend_schema(responses=DashboardSerializer)
    def get(self, request):
        tenant = request.tenant
        figures = selectors.dashboard(tenant=tenant, today=tenant.today())
        return Response(DashboardSerializer(figures, context={"currency": tenant.currency}).data)


class CreditSettingsView(TenantAPIView):
    """The credit book's settings: payment term and the automatic reminder schedule."""

    permissions = {"GET": Perm.VIEW_CREDITS, "PATCH": Perm.MANAGE_CREDITS}

    @extend_schema(responses=CreditSettingsSerializer)
    def get(self, request):
        return Response(CreditSettingsSerializer(selectors.credit_book_settings(request.tenant)).data)

    @extend_schema(request=CreditSettingsSerializer, responses=CreditSettingsSerializer)
    def patch(self, request):
        row = selectors.credit_book_settings(request.tenant)
        params = CreditSettingsSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        row = customers.credit_settings_update(
            tenant=request.tenant, actor=request.user, settings_row=row, **params.validated_data
        )
        return Response(CreditSettingsSerializer(row).data)


def _public_answer(customer: Customer) -> Response:
    body = access.public_statement(customer)
    data = PublicStatementSerializer(body, context={"currency": customer.tenant.currency}).data
    return Response(data, headers={"Cache-Control": "no-store"})


class CustomerAccessView(APIView):
    """The customer's own read-only view, by the access code the shop gave them. Unknown,
    revoked and malformed codes all answer 404 ACCESS_CODE_INVALID, alike."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [CustomerAccessIPThrottle, CustomerAccessPrefixThrottle]
    error_codes = [AccessCodeInvalid]

    @extend_schema(request=AccessRequestSerializer, responses=PublicStatementSerializer, auth=[])
    def post(self, request):
        params = AccessRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        return _public_answer(access.customer_by_code(params.validated_data["code"]))


class SharedStatementView(APIView):
    """The statement behind a link the shop shared: signed, expiring, revocable, read-only.
    Tampered, expired and revoked links answer 404 STATEMENT_LINK_INVALID, alike."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [StatementLinkIPThrottle]
    error_codes = [StatementLinkInvalid]

    @extend_schema(
        operation_id="customers_shared_statement",
        parameters=[StatementTokenSerializer],
        responses=PublicStatementSerializer,
        auth=[],
    )
    def get(self, request):
        params = StatementTokenSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return _public_answer(access.customer_by_statement_link(params.validated_data["token"]))
