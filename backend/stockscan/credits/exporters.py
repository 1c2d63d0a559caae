"""A customer's statement as a file, through the exporters' contract (stockscan.exports): the
same CSV/XLSX renderers, the same monthly quotas and the same audit as the stock exports."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stockscan.credits.models import Customer, EntryKind
from stockscan.credits.selectors import statement
from stockscan.exports.base import Column, ColumnKind, Exporter, FileFormat, Sheet, register
from stockscan.orgs.tenancy.permissions import Perm, role_has


class StatementOptions(serializers.Serializer):
    customer = serializers.IntegerField()
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)


KIND_LABELS = {EntryKind.CREDIT: _("Credit"), EntryKind.PAYMENT: _("Payment"), EntryKind.REVERSAL: _("Reversal")}


@register
class StatementExporter(Exporter):
    identifier = "credit_statement"

    def clean_options(self, raw) -> dict:
        options = StatementOptions(data=raw)
        options.is_valid(raise_exception=True)
        parsed = options.validated_data
        customer = Customer.objects.filter(tenant=self.tenant, pk=parsed["customer"]).first()
        if customer is None:
            raise serializers.ValidationError({"customer": [_("Unknown customer.")]})
        return {"customer": customer, "start": parsed.get("start"), "end": parsed.get("end") or self.tenant.today()}

    def stored_options(self) -> dict[str, str]:
        start = self.options["start"]
        return {
            "customer": str(self.options["customer"].pk),
            "start": start.isoformat() if start else "",
            "end": self.options["end"].isoformat(),
        }

    def readable_by(self, membership) -> bool:
        return role_has(membership.role, Perm.VIEW_CREDITS)

    def filename_parts(self) -> list[str]:
        start = self.options["start"]
        return [
            self.tenant.name,
            self.options["customer"].name,
            start.isoformat() if start else "",
            self.options["end"].isoformat(),
        ]

    def description(self) -> str:
        return f"{self.options['customer'].name}, {self.options['end'].isoformat()}"

    def sheets(self, file_format: FileFormat) -> list[Sheet]:
        # A statement is read down to its closing balance (its last row): nothing to total.
        columns = [
            Column(_("Date"), ColumnKind.DATE, 12),
            Column(_("Entry"), ColumnKind.TEXT, 12),
            Column(_("Description"), ColumnKind.TEXT, 36),
            Column(_("Due date"), ColumnKind.DATE, 12),
            Column(_("Amount"), ColumnKind.MONEY, 14, total=False),
            Column(_("Balance"), ColumnKind.MONEY, 14, total=False),
        ]
        return [Sheet("statement", str(_("Statement")), columns, self._rows(), currency=self.tenant.currency)]

    def _rows(self):
        found = statement(customer=self.options["customer"], start=self.options["start"], end=self.options["end"])
        yield (self.options["start"], str(_("Opening balance")), "", None, None, found.opening_balance)
        for line in found.lines:
            entry = line.entry
            yield (
                entry.occurred_on,
                str(KIND_LABELS[entry.kind]),
                entry.description or entry.reference or entry.reason,
                entry.due_date,
                entry.signed_amount,
                line.balance,
            )
        yield (found.end, str(_("Closing balance")), "", None, None, found.closing_balance)
