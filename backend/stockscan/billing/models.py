from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from stockscan.core.models import RetryRow, RetryStatuses


class StripeEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class StripeEvent(RetryRow):
    """One event Stripe sent to the webhook, stored before anything else happens.

    The unique `stripe_event_id` is what makes a redelivery a no-op: the webhook inserts
    first and treats the unique violation as "already have it". The row is then run as a
    `core` retry row: received (and due), processing, then processed or ignored; an attempt
    that fails is received again, due after the core backoff, and failed once given up.
    The tenant is set once the event's Stripe customer is matched to one.
    """

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    tenant = models.ForeignKey("orgs.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    payload = models.JSONField()
    stripe_created_at = models.DateTimeField(null=True, blank=True, help_text=_("When Stripe created the event."))
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=16, choices=StripeEventStatus.choices, default=StripeEventStatus.RECEIVED)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(tenant="tenant")

    retry_statuses = RetryStatuses(
        waiting=StripeEventStatus.RECEIVED,
        running=StripeEventStatus.PROCESSING,
        done=StripeEventStatus.PROCESSED,
        failed=StripeEventStatus.FAILED,
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="billing_event_due")]

    def __str__(self):
        return f"{self.stripe_event_id} {self.type} ({self.status})"

    @classmethod
    def max_attempts(cls) -> int:
        # 1 + 2 + 4 + … + 256 minutes between them: about eight and a half hours of Stripe outage.
        return 10
