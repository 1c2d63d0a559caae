from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class StripeEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class StripeEvent(models.Model):
    """One event Stripe sent to the webhook, stored before anything else happens.

    The unique `stripe_event_id` is what makes a redelivery a no-op: the webhook inserts
    first and treats the unique violation as "already have it". The row then carries its own
    retry state (`attempts`, `next_attempt_at`) for the task queue and the sweeper command.
    The tenant is set once the event's Stripe customer is matched to one.
    """

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    tenant = models.ForeignKey("orgs.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    payload = models.JSONField()
    stripe_created_at = models.DateTimeField(null=True, blank=True, help_text=_("When Stripe created the event."))
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=16, choices=StripeEventStatus.choices, default=StripeEventStatus.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="billing_event_due")]

    def __str__(self):
        return f"{self.stripe_event_id} {self.type} ({self.status})"
