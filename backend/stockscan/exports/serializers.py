import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.core.months import MonthField
from stockscan.exports.base import FileFormat

MAX_RECIPIENTS = 5
CSV_SEPARATORS = [";", ","]
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


class ExportQuerySerializer(serializers.Serializer):
    """How to deliver an export: the file format, the CSV separator, and optionally the
    members to email it to (with a message). What goes in it is the exporter's options."""

    format = serializers.ChoiceField(choices=FileFormat.choices)
    sep = serializers.ChoiceField(choices=CSV_SEPARATORS, default=";")
    email = serializers.CharField(required=False, max_length=1000)
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate_email(self, value: str) -> list[str]:
        addresses = list(dict.fromkeys(a.lower() for a in _ADDRESS_SEPARATORS.split(value) if a))
        if not addresses:
            raise serializers.ValidationError(_("Give the address of at least one member."))
        if len(addresses) > MAX_RECIPIENTS:
            raise serializers.ValidationError(
                _("An export is emailed to at most %(count)s members at once.") % {"count": MAX_RECIPIENTS}
            )
        for address in addresses:
            try:
                EmailValidator()(address)
            except DjangoValidationError:
                raise serializers.ValidationError(
                    _("%(address)s is not a valid email address.") % {"address": address}
                ) from None
        return addresses

    def validate(self, attrs):
        if attrs.get("message") and "email" not in attrs:
            raise serializers.ValidationError({"message": [_("A message goes with an emailed export (email=…).")]})
        return attrs


class MonthExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=[FileFormat.XLSX], default=FileFormat.XLSX)
    month = MonthField(required=False, allow_blank=True)


class EmailedExportQueuedSerializer(serializers.Serializer):
    status = serializers.CharField()
    export = serializers.IntegerField()
    format = serializers.ChoiceField(choices=FileFormat.choices)
    recipients = serializers.ListField(child=serializers.EmailField())
