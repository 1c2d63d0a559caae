from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stockscan.core.models import TenantOwnedModel, TimeStampedModel
from stockscan.orgs.presets import CountingMode, ServiceType


class BusinessType(models.TextChoices):
    RESTAURANT = "restaurant", _("Restaurant")
    BAR = "bar", _("Bar")
    GROCERY = "grocery", _("Grocery")
    BAKERY = "bakery", _("Bakery")
    PHARMACY = "pharmacy", _("Pharmacy")
    RETAIL = "retail", _("Shop")
    OTHER = "other", _("Other")


class Domain(models.TextChoices):
    FOOD = "food", _("Food")
    GENERAL = "general", _("General")


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    OPERATOR = "operator", _("Operator")


class Tenant(TimeStampedModel):
    """A business: the unit of isolation, billing and plan."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    business_type = models.CharField(max_length=32, choices=BusinessType.choices, default=BusinessType.OTHER)
    domain = models.CharField(max_length=16, choices=Domain.choices, default=Domain.FOOD)
    currency = models.CharField(max_length=3, default="EUR")
    locale = models.CharField(max_length=8, choices=settings.LANGUAGES, default="fr")
    timezone = models.CharField(max_length=64, default="Europe/Paris")

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self):
        return self.name

    def today(self) -> date:
        """Today in the business's own time zone: months and expiry dates are local."""
        return timezone.localdate(timezone=ZoneInfo(self.timezone))


class Service(TenantOwnedModel):
    """A place where stock is counted: kitchen, bar, shop floor…"""

    name = models.CharField(_("name"), max_length=120)
    service_type = models.CharField(max_length=32, choices=ServiceType.choices, default=ServiceType.OTHER)
    counting_mode = models.CharField(max_length=16, choices=CountingMode.choices, default=CountingMode.UNIT)
    features = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="orgs_service_unique_name_per_tenant"),
        ]

    def __str__(self):
        return self.name


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


class Membership(TenantOwnedModel):
    """A user's place in a tenant: a role, and optionally the one service it works on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    # No service means "every service": deleting the service must never widen a member's
    # access, so a service with members limited to it cannot be deleted (RESTRICT still lets
    # a whole tenant be deleted).
    service = models.ForeignKey(Service, on_delete=models.RESTRICT, null=True, blank=True, related_name="memberships")
    status = models.CharField(max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="orgs_membership_unique_user_tenant"),
        ]

    def __str__(self):
        return f"{self.user_id}@{self.tenant_id} ({self.role})"
