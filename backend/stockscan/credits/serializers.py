from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stockscan.core.fields import DecimalField, EmailField, refuse_invisible_characters
from stockscan.core.idempotency import IDEMPOTENCY_KEY_PATTERN
from stockscan.core.money import quantize_money
from stockscan.core.serializers import TenantRelatedField
from stockscan.credits.models import (
    CreditBookSettings,
    CreditStatus,
    Customer,
    CustomerStatus,
    EntryKind,
    PaymentMethod,
)
from stockscan.exports.base import FileFormat
from stockscan.inventory.models import Product
from stockscan.orgs.tenancy.resolution import restrict_to_member_services

MONEY_INPUT = {"max_digits": 14, "decimal_places": 3, "min_value": Decimal(0)}


class TextDecimalField(DecimalField):
    """A decimal sent as text ("1500", "12.50"), as the schema says: a JSON number is refused
    rather than read through a binary float."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_('Send the amount as text, e.g. "1500".'))
        return super().to_internal_value(data)


class TextFieldsSerializer(serializers.Serializer):
    """A body serializer whose text fields take text only, as the schema says: DRF would
    turn 0 into "0" silently."""

    def to_internal_value(self, data):
        wrong = {}
        if isinstance(data, dict):
            wrong = {
                name: [_("Must be text.")]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField | serializers.ChoiceField)
                and name in data
                and data[name] is not None
                and not isinstance(data[name], str)
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **wrong}) from None
            raise
        if wrong:
            raise serializers.ValidationError(wrong)
        return value


class StrictBooleanField(serializers.BooleanField):
    """true or false, as the schema says (not 0, 1 or "yes")."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError(_("Must be true or false."))
        return data


@extend_schema_field({"type": "string", "format": "decimal", "example": "1500"})
class MoneyField(serializers.Field):
    """An amount as a string, to the tenant's currency's minor unit (XOF "1500", EUR "12.50")."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return str(quantize_money(Decimal(value), self.context["currency"]))


def _visible_products(queryset, request):
    return restrict_to_member_services(queryset, request.membership)


class CustomerSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")
    credit_limit = MoneyField(allow_null=True)
    balance = MoneyField(help_text="What the customer owes now (sum of their ledger).")
    overdue_amount = MoneyField(help_text="What is owed on credits whose due date has passed.")
    next_due_date = serializers.DateField(allow_null=True, read_only=True)
    owes = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "phone",
            "email",
            "address",
            "notes",
            "language",
            "credit_limit",
            "status",
            "balance",
            "overdue_amount",
            "next_due_date",
            "owes",
            "overdue",
            "created_at",
        ]
        read_only_fields = fields

    def get_owes(self, customer) -> bool:
        return customer.balance > 0

    def get_overdue(self, customer) -> bool:
        return customer.overdue_amount > 0


class CustomerCreatedSerializer(CustomerSerializer):
    access_code = serializers.CharField(
        read_only=True, help_text="The customer's access code, shown this once: give it to the customer."
    )

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "access_code"]
        read_only_fields = fields


class CustomerWriteSerializer(TextFieldsSerializer):
    name = serializers.CharField(max_length=120, validators=[refuse_invisible_characters])
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="E.164 or national.")
    email = EmailField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    credit_limit = TextDecimalField(
        **MONEY_INPUT, required=False, allow_null=True, help_text="Owners and managers only. Null: no limit."
    )


class CustomerUpdateSerializer(CustomerWriteSerializer):
    name = serializers.CharField(max_length=120, required=False, validators=[refuse_invisible_characters])
    status = serializers.ChoiceField(
        choices=CustomerStatus.choices, required=False, help_text="Owners and managers only."
    )


class CreditLineSerializer(TextFieldsSerializer):
    product = TenantRelatedField(Product, restrict=_visible_products, required=False, allow_null=True)
    label = serializers.CharField(max_length=160, required=False, allow_blank=True)
    quantity = TextDecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    unit_price = TextDecimalField(max_digits=14, decimal_places=4, min_value=Decimal(0))


class CreditLineOutSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product_id", allow_null=True)
    label = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4)
    amount = MoneyField()


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    amount = MoneyField()
    signed_amount = MoneyField(help_text="What the entry does to the balance: + for a credit, - for a payment.")
    occurred_on = serializers.DateField()
    description = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    method = serializers.CharField(help_text="Payments: cash, mobile_money, card, transfer or other.")
    reference = serializers.CharField()
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    reason = serializers.CharField()
    limit_overridden = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=CreditStatus.choices,
        allow_blank=True,
        help_text="Credits: open, partly_paid, paid or overdue (derived from the ledger and today); "
        "reversed for a reversed entry.",
    )
    remaining = MoneyField(allow_null=True, help_text="Credits: what is still owed on it.")
    lines = CreditLineOutSerializer(many=True, source="line_list")
    created_at = serializers.DateTimeField()


class CreditCreateSerializer(TextFieldsSerializer):
    customer = TenantRelatedField(Customer)
    amount = TextDecimalField(**MONEY_INPUT, required=False, help_text="Optional when lines are given (their total).")
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    lines = CreditLineSerializer(many=True, required=False, max_length=200)
    due_date = serializers.DateField(required=False, help_text="Default: the date plus the payment term.")
    occurred_on = serializers.DateField(required=False, help_text="Default: today.")
    override_limit = StrictBooleanField(
        default=False, help_text="Owners and managers: record it even over the customer's credit limit."
    )
    client_id = serializers.RegexField(IDEMPOTENCY_KEY_PATTERN, required=False)


class PaymentCreateSerializer(TextFieldsSerializer):
    customer = TenantRelatedField(Customer)
    amount = TextDecimalField(**MONEY_INPUT)
    method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    occurred_on = serializers.DateField(required=False, help_text="Default: today.")
    client_id = serializers.RegexField(IDEMPOTENCY_KEY_PATTERN, required=False)


class ReverseSerializer(TextFieldsSerializer):
    reason = serializers.CharField(max_length=255, validators=[refuse_invisible_characters])


class EntryFilterSerializer(serializers.Serializer):
    customer = TenantRelatedField(Customer, required=False)


class CustomerFilterSerializer(serializers.Serializer):
    search = serializers.CharField(max_length=120, required=False, allow_blank=True)
    owes = serializers.BooleanField(required=False, allow_null=True, default=None)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    archived = serializers.ChoiceField(choices=["false", "true", "all"], default="false")


class AccessCodeSerializer(serializers.Serializer):
    access_code = serializers.CharField(help_text="Shown this once: the old code no longer works.")


class StatementLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ReminderSerializer(serializers.Serializer):
    amount = MoneyField()
    due_date = serializers.DateField(allow_null=True)
    statement_url = serializers.URLField()
    message = serializers.CharField(help_text="The SMS text, in the customer's language.")
    whatsapp_url = serializers.CharField(allow_null=True, help_text="https://wa.me/<number>?text=… (null: no phone).")
    sms_url = serializers.CharField(allow_null=True, help_text="sms:<number>?body=… (null: no phone).")
    email_queued = serializers.BooleanField()


class StatementPeriodSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (default: the first entry).")
    end = serializers.DateField(required=False, help_text="Last day (default: today).")

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": [_("The start must not be after the end.")]})
        return attrs


class StatementQuerySerializer(StatementPeriodSerializer):
    format = serializers.ChoiceField(
        choices=["json", "csv", "xlsx"], default="json", help_text="csv and xlsx draw on the monthly export quotas."
    )


class StatementSendSerializer(TextFieldsSerializer, StatementPeriodSerializer):
    format = serializers.ChoiceField(choices=FileFormat.choices, default=FileFormat.XLSX)


class StatementSentSerializer(serializers.Serializer):
    status = serializers.CharField()
    email = serializers.EmailField()
    format = serializers.CharField()


class StatementLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="entry.id")
    occurred_on = serializers.DateField(source="entry.occurred_on")
    kind = serializers.ChoiceField(source="entry.kind", choices=EntryKind.choices)
    description = serializers.SerializerMethodField()
    amount = MoneyField(source="entry.signed_amount")
    balance = MoneyField()

    def get_description(self, line) -> str:
        entry = line.entry
        return entry.description or entry.reference or entry.reason


class StatementSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.id")
    customer_name = serializers.CharField(source="customer.name")
    currency = serializers.SerializerMethodField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField()
    opening_balance = MoneyField()
    lines = StatementLineSerializer(many=True)
    closing_balance = MoneyField()

    def get_currency(self, statement) -> str:
        return self.context["currency"]


class DebtorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    balance = MoneyField()


class AgeingSerializer(serializers.Serializer):
    days_0_30 = MoneyField(source="0_30")
    days_31_60 = MoneyField(source="31_60")
    days_61_90 = MoneyField(source="61_90")
    days_90_plus = MoneyField(source="90_plus")


class DashboardSerializer(serializers.Serializer):
    currency = serializers.SerializerMethodField()
    outstanding = MoneyField()
    overdue = MoneyField()
    collected_this_month = MoneyField()
    customers_owing = serializers.IntegerField()
    top_debtors = DebtorSerializer(many=True)
    ageing = AgeingSerializer(help_text="What is owed, by the age of its credit (days since the credit's date).")

    def get_currency(self, dashboard) -> str:
        return self.context["currency"]


class CreditSettingsSerializer(serializers.ModelSerializer):
    reminders_enabled = StrictBooleanField(required=False)
    reminder_days_before = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=60), max_length=5, required=False
    )
    reminder_days_after = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=365), max_length=5, required=False
    )
    reminder_hour = serializers.IntegerField(min_value=0, max_value=23, required=False)
    payment_term_days = serializers.IntegerField(min_value=0, max_value=365, required=False)

    class Meta:
        model = CreditBookSettings
        fields = [
            "payment_term_days",
            "reminders_enabled",
            "reminder_days_before",
            "reminder_days_after",
            "reminder_hour",
        ]


class AccessRequestSerializer(TextFieldsSerializer):
    # Any text: a malformed code answers exactly like an unknown one.
    code = serializers.CharField(max_length=256, allow_blank=True, trim_whitespace=True)


class StatementTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512)


class PublicCreditSerializer(serializers.Serializer):
    occurred_on = serializers.DateField()
    description = serializers.CharField()
    amount = MoneyField()
    remaining = MoneyField()
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()


class PublicPaymentSerializer(serializers.Serializer):
    occurred_on = serializers.DateField()
    amount = MoneyField()
    method = serializers.CharField()


class PublicStatementSerializer(serializers.Serializer):
    shop = serializers.CharField()
    first_name = serializers.CharField()
    currency = serializers.CharField()
    balance = MoneyField()
    open_credits = PublicCreditSerializer(many=True)
    recent_payments = PublicPaymentSerializer(many=True)
