from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from stockscan.core.models import RetryRow, RetryStatuses, TimeStampedModel


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryStatus(models.TextChoices):
    """What the provider reported after accepting the message (SendGrid's event webhook)."""

    UNKNOWN = "", _("Unknown")
    DEFERRED = "deferred", _("Deferred")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    DROPPED = "dropped", _("Dropped")
    SPAM_REPORT = "spam_report", _("Reported as spam")


# A delivery status only moves forward: SendGrid posts events out of order, so a late
# "deferred" must not hide a "delivered", while a bounce after delivery (an asynchronous
# bounce) or a spam report must still show.
DELIVERY_RANK = {
    DeliveryStatus.UNKNOWN: 0,
    DeliveryStatus.DEFERRED: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.BOUNCED: 3,
    DeliveryStatus.DROPPED: 3,
    DeliveryStatus.SPAM_REPORT: 4,
}


class OutboundEmail(TimeStampedModel, RetryRow):
    """One email to send: written in the transaction of the action that causes it, sent by a
    task queued on commit, retried with the core backoff (a `core` retry row: queued, sending,
    sent or failed), and kept with its outcome.

    The template context is stored sealed (encrypted with a key derived from SECRET_KEY, see
    `stockscan.mail.sealing`) because it carries one-time links (invitations, password
    resets) that must not be readable in the database. The subject is rendered when the row
    is queued (it holds no secret and the admin lists it); the bodies are rendered from the
    sealed context when the email is sent, so no secret link is ever stored in clear.
    """

    tenant = models.ForeignKey("orgs.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    recipient = models.EmailField()
    template = models.CharField(max_length=100)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    sealed_context = models.TextField()
    subject = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)
    # SendGrid's X-Message-Id (the prefix of every event's sg_message_id), or the message id
    # another anymail backend reports.
    provider_message_id = models.CharField(max_length=255, blank=True)
    delivery_status = models.CharField(max_length=16, choices=DeliveryStatus.choices, blank=True)
    delivery_detail = models.CharField(max_length=500, blank=True)
    delivery_updated_at = models.DateTimeField(null=True, blank=True)
    # Sent by a backend that only writes emails out (no provider configured: the console
    # backend): "sent" then means logged, and nobody received it.
    logged_only = models.BooleanField(default=False)

    # Read per tenant inside a request's scope; the send task, the sweeper, the webhook and
    # the admin work across tenants on purpose (`with_scopes_disabled()`).
    objects = ScopedManager(tenant="tenant")

    retry_statuses = RetryStatuses(
        waiting=EmailStatus.QUEUED, running=EmailStatus.SENDING, done=EmailStatus.SENT, failed=EmailStatus.FAILED
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_email_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="mail_email_unique_provider_message_id",
            )
        ]

    def __str__(self):
        return f"{self.template} #{self.pk} ({self.status})"

    @classmethod
    def max_attempts(cls) -> int:
        return settings.MAIL_MAX_ATTEMPTS


class EmailAttachment(models.Model):
    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("email attachment")
        verbose_name_plural = _("email attachments")

    def __str__(self):
        return self.filename


class DeliveryEvent(models.Model):
    """A SendGrid event already applied: its `sg_event_id` makes a re-posted batch harmless."""

    provider_event_id = models.CharField(max_length=255, unique=True)
    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="delivery_events")
    event = models.CharField(max_length=32)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")

    def __str__(self):
        return f"{self.event} for email #{self.email_id}"
