from datetime import date
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stockscan.core.models import TenantOwnedModel, TimeStampedModel
from stockscan.core.money import CURRENCIES
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


# The ISO 3166 alpha-2 codes a phone number can belong to (phonenumbers' regions).
COUNTRY_CODES: list[str] = sorted(phonenumbers.SUPPORTED_REGIONS)


class Tenant(TimeStampedModel):
    """A business: the unit of isolation, billing and plan."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    business_type = models.CharField(max_length=32, choices=BusinessType.choices, default=BusinessType.OTHER)
    domain = models.CharField(max_length=16, choices=Domain.choices, default=Domain.FOOD)
    currency = models.CharField(max_length=3, choices=[(code, code) for code in CURRENCIES], default="EUR")
    locale = models.CharField(max_length=8, choices=settings.LANGUAGES, default="fr")
    timezone = models.CharField(max_length=64, default="Europe/Paris")
    # ISO 3166 alpha-2: the default region of phone numbers typed without +country code.
    country = models.CharField(_("country"), max_length=2, default="FR")
    # Selling prices are typed as the customer pays them (TTC) unless the business says
    # otherwise; purchase prices are always excluding VAT, as on a supplier's invoice.
    prices_include_vat = models.BooleanField(_("selling prices include VAT"), default=True)
    operators_see_costs = models.BooleanField(_("operators see purchase costs"), default=True)

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


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class Invitation(TenantOwnedModel):
    """An email address invited to join a tenant with a role (and optionally one service).

    The link's token is random (256 bits) and only its SHA-256 is stored: the raw token exists
    in the emailed link (or the answer to the owner when emails are off), nowhere else. A
    pending invitation holds a seat (max_users) until it expires, is revoked or is accepted.
    """

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    # Like a membership's: deleting the service must never widen the access the invitation
    # grants, so a pending invitation limited to it blocks the deletion (orgs.services).
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    # The latest email sent for it (None when invitation emails are off): its delivery status
    # is what the members summary shows.
    email_message = models.ForeignKey(
        "mail.OutboundEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One pending invitation per address and tenant, even under concurrent requests.
            models.UniqueConstraint(
                "tenant",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="orgs_invitation_one_pending_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "expires_at"], name="orgs_invitation_seats_idx"),
            # The invitation rate limits (orgs.services.invitations): per business, per address.
            models.Index(fields=["tenant", "created_at"], name="orgs_invitation_rate_idx"),
            models.Index(Upper("email"), "created_at", name="orgs_invitation_address_idx"),
        ]

    def __str__(self):
        return f"{self.role} invitation #{self.pk} to {self.tenant_id}"

    def is_open(self, now=None) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at > (now or timezone.now())
