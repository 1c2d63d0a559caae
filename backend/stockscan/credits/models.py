"""The customer credit book: customers, an append-only ledger of what they owe, and the
tenant's settings for payment terms and reminders.

A customer's balance is the sum of its entries' `signed_amount` (a credit adds, a payment
subtracts, a reversal undoes the entry it names), always: nothing is stored beside it, and
nothing in the ledger is ever edited or deleted (a mistake is reversed). Which credits are
paid, partly paid or overdue is derived when read (`selectors`), from the ledger and the
tenant's today, so it can never be stale.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from stockscan.core.models import TenantOwnedModel

# Up to 14 digits with 3 decimals: TND has 3, XOF 0; the tenant's currency decides.
MONEY = {"max_digits": 14, "decimal_places": 3}


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class Customer(TenantOwnedModel):
    name = models.CharField(_("name"), max_length=120)
    # E.164 (+221771234567), parsed with the tenant's country as the default region.
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The language reminders and the customer's statement are written in.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="fr")
    # None: no limit.
    credit_limit = models.DecimalField(_("credit limit"), null=True, blank=True, **MONEY)
    status = models.CharField(max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    # HMAC-SHA256 of the access code under the secret key; the code itself is never stored.
    access_code_hash = models.CharField(max_length=64, blank=True)
    # Raised to revoke every shared statement link sent so far.
    statement_link_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["tenant", "status", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["access_code_hash"], condition=~Q(access_code_hash=""), name="credits_customer_access_code"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else ""


class EntryKind(models.TextChoices):
    CREDIT = "CREDIT", _("Credit")
    PAYMENT = "PAYMENT", _("Payment")
    REVERSAL = "REVERSAL", _("Reversal")


class CreditStatus(models.TextChoices):
    """What a credit's state is, derived when read (never stored)."""

    OPEN = "open", _("Open")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    REVERSED = "reversed", _("Reversed")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    MOBILE_MONEY = "mobile_money", _("Mobile money")
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Transfer")
    OTHER = "other", _("Other")


class AppendOnly(ValidationError):
    pass


class LedgerEntry(TenantOwnedModel):
    """One line of a customer's ledger. Append-only: `save` refuses an update, `delete` refuses.
    RESTRICT, not PROTECT: a customer with entries cannot be deleted, but deleting the whole
    tenant (which takes its entries with it) can."""

    customer = models.ForeignKey(Customer, on_delete=models.RESTRICT, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    # As entered, always positive; `signed_amount` is what it does to the balance.
    amount = models.DecimalField(**MONEY)
    signed_amount = models.DecimalField(**MONEY)
    occurred_on = models.DateField()
    description = models.CharField(max_length=255, blank=True)
    due_date = models.DateField(null=True, blank=True)  # credits
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, blank=True)  # payments
    reference = models.CharField(max_length=100, blank=True)  # payments: e.g. a mobile-money transaction id
    # A reversal names the one entry it undoes; an entry is reversed at most once.
    reverses = models.OneToOneField(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.CharField(max_length=255, blank=True)  # reversals
    # Entries recorded over an owner's or manager's explicit override of the credit limit.
    limit_overridden = models.BooleanField(default=False)
    client_id = models.CharField(max_length=64, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            # The one pass over a customer's ledger, newest first (selectors), and statements.
            models.Index(fields=["tenant", "customer", "-occurred_on", "-id"], name="credits_entry_ledger_pass"),
            models.Index(fields=["tenant", "kind", "occurred_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "client_id"], condition=~Q(client_id=""), name="credits_entry_idempotent"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credits_entry_amount_positive"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Ledger entries are append-only: reverse an entry instead of changing it.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Ledger entries are append-only: reverse an entry instead of deleting it.")


class _Credits(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=EntryKind.CREDIT)


class _Payments(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=EntryKind.PAYMENT)


class CreditEntry(LedgerEntry):
    """The ledger's credits (the rows /api/credits/ serves)."""

    objects = ScopedManager(_Credits, tenant="tenant")

    class Meta:
        proxy = True


class PaymentEntry(LedgerEntry):
    """The ledger's payments (the rows /api/payments/ serves)."""

    objects = ScopedManager(_Payments, tenant="tenant")

    class Meta:
        proxy = True


class CreditLine(TenantOwnedModel):
    """What a credit was for: catalogue products with their quantities (optional)."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.RESTRICT, related_name="lines")
    product = models.ForeignKey("inventory.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    label = models.CharField(max_length=160)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]


def default_days_before() -> list[int]:
    return [3]


def default_days_after() -> list[int]:
    return [1, 7, 30]


class CreditBookSettings(TenantOwnedModel):
    """The tenant's credit-book settings: the payment term new credits are due after, and the
    schedule of automatic email reminders (`manage.py send_credit_reminders`)."""

    payment_term_days = models.PositiveIntegerField(default=30)
    reminders_enabled = models.BooleanField(default=False)
    reminder_days_before = models.JSONField(default=default_days_before, blank=True)
    reminder_days_after = models.JSONField(default=default_days_after, blank=True)
    # The local hour (tenant's time zone) from which the day's reminders go out.
    reminder_hour = models.PositiveSmallIntegerField(default=9)

    class Meta:
        verbose_name = _("credit book settings")
        verbose_name_plural = _("credit book settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="credits_settings_one_per_tenant")]


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LINK = "link", _("WhatsApp/SMS link")


class Reminder(TenantOwnedModel):
    """A reminder sent (or prepared) for a customer. An automatic one names its credit and
    step ("before:3", "after:7"): the unique constraint sends each step once."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reminders")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    step = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=8, choices=ReminderChannel.choices)
    amount = models.DecimalField(**MONEY)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "step"], condition=~Q(step=""), name="credits_reminder_once"),
        ]
