import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.core.fields import EmailField, refuse_invisible_characters
from stockscan.core.months import MonthField
from stockscan.exports.base import FileFormat
from stockscan.exports.models import ExportRecipient

MAX_RECIPIENTS = 5
CSV_SEPARATORS = [";", ","]
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


def _addresses(value: str) -> list[str]:
    addresses = list(dict.fromkeys(a.lower() for a in _ADDRESS_SEPARATORS.split(value) if a))
    if not addresses:
        raise serializers.ValidationError(_("Give the address of at least one member or recipient."))
    if len(addresses) > MAX_RECIPIENTS:
        raise serializers.ValidationError(
            _("An export is emailed to at most %(count)s addresses at once.") % {"count": MAX_RECIPIENTS}
        )
    for address in addresses:
        try:
            EmailValidator()(address)
        except DjangoValidationError:
            raise serializers.ValidationError(
                _("%(address)s is not a valid email address.") % {"address": address}
            ) from None
    return addresses


class ExportQuerySerializer(serializers.Serializer):
    """How to deliver a download: the file format and the CSV separator. What goes in it is
    the exporter's options."""

    format = serializers.ChoiceField(choices=FileFormat.choices)
    sep = serializers.ChoiceField(choices=CSV_SEPARATORS, default=";")


class EmailedExportRequestSerializer(ExportQuerySerializer):
    """POST /api/exports/: the options of the download (`format`, `from`, `to`, `service`,
    `mode`, `kind`, `sep`, strings as in the query string) and whom to email the file to."""

    email = serializers.CharField(
        max_length=1000,
        help_text="One or more addresses (at most 5, separated by commas): active members of the business "
        "who may see the whole export, or its confirmed outside recipients (/api/exports/recipients/).",
    )
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    service = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text='A service id, or "all" (default).'
    )
    mode = serializers.ChoiceField(choices=["all", "sealed", "opened"], required=False, help_text="Containers.")
    kind = serializers.ChoiceField(
        choices=["inventory", "losses", "summary"],
        required=False,
        help_text="The sheet a CSV holds (default inventory); an XLSX holds all three.",
    )

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword: declared here rather than as a class attribute.
        fields["from"] = MonthField(required=False, allow_blank=True, help_text="YYYY-MM; this month by default.")
        fields["to"] = MonthField(required=False, allow_blank=True, help_text="YYYY-MM; `from` by default.")
        return fields

    def validate_email(self, value: str) -> list[str]:
        return _addresses(value)


class MonthExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=[FileFormat.XLSX], default=FileFormat.XLSX)
    month = MonthField(required=False, allow_blank=True)


class EmailedExportQueuedSerializer(serializers.Serializer):
    status = serializers.CharField()
    export = serializers.IntegerField()
    format = serializers.ChoiceField(choices=FileFormat.choices)
    recipients = serializers.ListField(child=serializers.EmailField())


class ExportRecipientSerializer(serializers.ModelSerializer):
    added_by = serializers.SerializerMethodField()

    class Meta:
        model = ExportRecipient
        fields = ["id", "name", "email", "status", "token_expires_at", "confirmed_at", "added_by", "created_at"]
        read_only_fields = fields
        extra_kwargs = {
            "token_expires_at": {"help_text": "When the confirmation link stops working (while waiting)."},
        }

    def get_added_by(self, recipient) -> str | None:
        user = recipient.added_by
        return (user.get_full_name() or user.username) if user is not None else None


class ExportRecipientCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, validators=[refuse_invisible_characters])
    email = EmailField()

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give the recipient's name."))
        return value

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class RecipientTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=128)


class RecipientConfirmedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    business = serializers.CharField(help_text="The business whose exports this address will receive.")
