from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stockscan.core.models import RetryRow, RetryStatuses, TenantOwnedModel
from stockscan.exports.base import FileFormat


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

    def __str__(self):
        return f"{self.exporter} {self.file_format} #{self.pk} ({self.status})"

    @classmethod
    def max_attempts(cls) -> int:
        return 5
