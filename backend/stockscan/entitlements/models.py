from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from stockscan.core.models import TenantOwnedModel
from stockscan.entitlements.plans import Feature, Limit, Metric, PlanCode


class SubscriptionStatus(models.TextChoices):
    """Stripe's subscription statuses, plus NONE for a tenant that never subscribed."""

    NONE = "none", _("No subscription")
    TRIALING = "trialing", _("Trialing")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    UNPAID = "unpaid", _("Unpaid")
    CANCELED = "canceled", _("Canceled")
    INCOMPLETE = "incomplete", _("Incomplete")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
    PAUSED = "paused", _("Paused")


class BillingState(models.Model):
    """A tenant's billing facts, as the billing app last learned them from Stripe.

    Entitlements only read it: the effective plan is derived from these facts and the
    clock (`stockscan.entitlements.resolution`), never stored.
    """

    tenant = models.OneToOneField("orgs.Tenant", on_delete=models.CASCADE, related_name="billing_state")
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    subscription_plan = models.CharField(
        max_length=16,
        choices=[(code.value, code.value) for code in PlanCode],
        blank=True,
        help_text=_("The plan of the Stripe subscription, if any."),
    )
    subscription_status = models.CharField(
        max_length=24, choices=SubscriptionStatus.choices, default=SubscriptionStatus.NONE
    )
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    past_due_since = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True)
    # The last Checkout page opened for the tenant. Each open page can start its own
    # subscription, so a new checkout reuses or expires this one first (billing.services).
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    # When Stripe created the subscription followed here: a customer's older subscription
    # never replaces a newer one, whatever order their events arrive in.
    stripe_subscription_created = models.DateTimeField(null=True, blank=True)
    # When the Stripe state applied here was read: older news never overwrites newer state.
    stripe_synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        verbose_name = _("billing state")
        verbose_name_plural = _("billing states")

    def __str__(self):
        return f"{self.tenant_id}: {self.subscription_plan or '-'} {self.subscription_status}"


class PlanGrant(models.TextChoices):
    NONE = "", _("No plan granted")
    MANUAL = "MANUAL", _("Manual grant (until the expiry date)")
    LIFETIME = "LIFETIME", _("Lifetime grant")


class TenantPlanOverride(models.Model):
    """Staff's word on one tenant: a granted plan (manual, lifetime, ENTERPRISE) and/or
    custom limits and entitlements on top of whatever plan applies. Edited in the admin."""

    tenant = models.OneToOneField("orgs.Tenant", on_delete=models.CASCADE, related_name="plan_override")
    grant = models.CharField(max_length=16, choices=PlanGrant.choices, blank=True)
    plan = models.CharField(max_length=16, choices=[(code.value, code.value) for code in PlanCode], blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("A manual grant ends here; a lifetime grant ignores it.")
    )
    limits = models.JSONField(
        default=dict, blank=True, help_text=_('Custom limits, e.g. {"max_users": 25, "max_products": null}.')
    )
    features_added = models.JSONField(default=list, blank=True)
    features_removed = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        verbose_name = _("plan override")
        verbose_name_plural = _("plan overrides")

    def __str__(self):
        return f"{self.tenant_id}: {self.grant or 'limits'} {self.plan}"

    def clean(self):
        errors = {}
        if self.grant and not self.plan:
            errors["plan"] = _("A grant needs a plan.")
        if self.grant == PlanGrant.MANUAL and not self.expires_at:
            errors["expires_at"] = _("A manual grant needs an expiry date (or make it lifetime).")
        known_limits = {limit.value for limit in Limit}
        if not isinstance(self.limits, dict) or set(self.limits) - known_limits:
            errors["limits"] = _("Known limits: %(names)s.") % {"names": ", ".join(sorted(known_limits))}
        elif any(v is not None and (not isinstance(v, int) or v < 0) for v in self.limits.values()):
            errors["limits"] = _("A limit is a whole number ≥ 0, or null for unlimited.")
        known_features = {feature.value for feature in Feature}
        for name in ("features_added", "features_removed"):
            value = getattr(self, name)
            if not isinstance(value, list) or set(value) - known_features:
                errors[name] = _("Known entitlements: %(names)s.") % {"names": ", ".join(sorted(known_features))}
        if errors:
            raise ValidationError(errors)


class UsageCounter(TenantOwnedModel):
    """How much of a monthly quota a tenant has used; reserved atomically before the work."""

    metric = models.CharField(max_length=32, choices=[(m.value, m.value) for m in Metric])
    period = models.DateField(help_text=_("First day of the month counted."))
    used = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("usage counter")
        verbose_name_plural = _("usage counters")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "metric", "period"], name="entitlements_usage_unique_period"),
        ]

    def __str__(self):
        return f"{self.tenant_id} {self.metric} {self.period:%Y-%m}: {self.used}"
