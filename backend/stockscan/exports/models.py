from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stockscan.core.models import RetryRow, RetryStatuses, TenantOwnedModel
from stockscan.exports.base import FileFormat


class ExportRecipientStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REMOVED = "removed", _("Removed")


# The statuses of a recipient that holds one of the business's places.
HELD_STATUSES = [ExportRecipientStatus.PENDING, ExportRecipientStatus.CONFIRMED]


class ExportRecipient(TenantOwnedModel):
    """Someone outside the business (its accountant) whom exports may be emailed to, without
    a seat. The owner adds the name and address; the address receives a confirmation link and
    receives exports only once it is confirmed. Like an invitation's, the link's token is random
    (256 bits) and only its SHA-256 is stored. A removed recipient keeps its row (its status
    says so): the audit and the daily limit of additions count it."""

    name = models.CharField(max_length=120)
    email = models.EmailField()
    status = models.CharField(
        max_length=16, choices=ExportRecipientStatus.choices, default=ExportRecipientStatus.PENDING
    )
    # Null once confirmed or removed: a spent link opens nothing.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("export recipient")
        verbose_name_plural = _("export recipients")
        constraints = [
            # One place per address and business, even under concurrent requests.
            models.UniqueConstraint(
                "tenant",
                Lower("email"),
                condition=Q(status__in=HELD_STATUSES),
                name="exports_recipient_one_per_email",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="exports_recipient_rate_idx")]

    def __str__(self):
        return f"export recipient #{self.pk} of {self.tenant_id} ({self.status})"

    def link_is_open(self, now=None) -> bool:
        return (
            self.status == ExportRecipientStatus.PENDING
            and self.token_expires_at is not None
            and self.token_expires_at > (now or timezone.now())
        )


class EmailedExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailedExport(TenantOwnedModel, RetryRow):
    """An export to build and email in the background, a `core` retry row: the task carries
    only this row's id and re-validates the stored options as the member who asked; a failed
    attempt waits for `next_attempt_at`, when the task or the `run_due_work` sweeper runs it
    again. The quota unit reserved when it was accepted is given back if it fails for good."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    # The business's confirmed outside recipients it goes to (checked again when it is sent).
    outside_recipients = models.ManyToManyField(ExportRecipient, related_name="+", blank=True)
    # The addresses as asked (lower-cased, in order): the answer to the request and to its retries.
    recipient_addresses = models.JSONField(default=list, blank=True)
    # The client's Idempotency-Key: the same request sent again answers this export.
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    exporter = models.CharField(max_length=32)
    file_format = models.CharField(max_length=8, choices=FileFormat.choices)
    options = models.JSONField(default=dict, blank=True)
    csv_separator = models.CharField(max_length=1, default=";")
    message = models.TextField(blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="fr")
    quota_period = models.DateField(help_text=_("The month whose export quota this export used."))
    status = models.CharField(max_length=16, choices=EmailedExportStatus.choices, default=EmailedExportStatus.QUEUED)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    retry_statuses = RetryStatuses(
        waiting=EmailedExportStatus.QUEUED,
        running=EmailedExportStatus.SENDING,
        done=EmailedExportStatus.SENT,
        failed=EmailedExportStatus.FAILED,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("emailed export")
        verbose_name_plural = _("emailed exports")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="exports_email_due_idx"),
            models.Index(fields=["tenant", "created_at"], name="exports_email_recent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="exports_email_idempotent",
            ),
        ]

    def __str__(self):
        return f"{self.exporter} {self.file_format} #{self.pk} ({self.status})"

    @classmethod
    def max_attempts(cls) -> int:
        return 5
