"""Customers: created under the plan's `max_customers` (counted exactly under concurrency by
`check_count_limit`, which locks the tenant row), archived rather than deleted once they
have entries. Changing a limit or the status, and regenerating a code, is for owners and
managers (`ManagerOnly`, checked here since the same PATCH carries plain fields too)."""

import hashlib
import hmac
import secrets
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from stockscan.core.audit import audit_record
from stockscan.core.money import quantize_money
from stockscan.credits.errors import ManagerOnly
from stockscan.credits.models import CreditBookSettings, Customer, CustomerStatus
from stockscan.entitlements.enforcement import check_count_limit, require_feature
from stockscan.entitlements.plans import Feature, Limit
from stockscan.orgs.models import Role

# No look-alikes (0/O, 1/I/L): 31 signs, 11 of them = 54 bits.
ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACCESS_CODE_LENGTH = 11
STATEMENT_LINK_SALT = "stockscan.credits.statement-link"
MANAGER_FIELDS = frozenset({"credit_limit", "status"})


def is_manager(membership) -> bool:
    return membership is not None and membership.role in (Role.OWNER, Role.MANAGER)


def normalize_phone(raw: str, *, country: str) -> str:
    """E.164 (+221771234567) of a number typed with or without its country code; the
    tenant's country is the default region. ValidationError when it is not a valid number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError({"phone": [_("This is not a valid phone number.")]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Amounts are stored with 14 digits, 3 of them decimals.
MAX_AMOUNT = Decimal(10) ** 11


def exact_amount(value, *, currency: str, field: str):
    """The amount as the currency can hold it: one with more decimals than the currency's
    minor unit (1500.5 XOF, 3.005 EUR) is refused rather than rounded out of sight."""
    if value is None:
        return None
    rounded = quantize_money(value, currency)
    if rounded != value:
        raise ValidationError({field: [_("This amount has more decimals than the currency allows.")]})
    if abs(rounded) >= MAX_AMOUNT:
        raise ValidationError({field: [_("This amount is too large.")]})
    return rounded


def access_code_digest(code: str) -> str:
    """The keyed hash stored for an access code (HMAC-SHA256 under the secret key)."""
    normalized = "".join(code.split()).replace("-", "").upper()
    return hmac.new(settings.SECRET_KEY.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def new_access_code() -> str:
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))


def _snapshot(customer: Customer) -> dict:
    return {"name": customer.name}


@transaction.atomic
def customer_create(*, tenant, actor, **fields) -> tuple[Customer, str]:
    """The new customer and its access code, shown this once."""
    require_feature(tenant, Feature.CREDIT_BOOK)
    check_count_limit(tenant, Limit.MAX_CUSTOMERS)
    fields["phone"] = normalize_phone(fields.get("phone", ""), country=tenant.country)
    if "credit_limit" in fields:
        fields["credit_limit"] = exact_amount(fields["credit_limit"], currency=tenant.currency, field="credit_limit")
    fields.setdefault("language", tenant.locale)
    code = new_access_code()
    customer = Customer.objects.create(
        tenant=tenant,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        access_code_hash=access_code_digest(code),
        **fields,
    )
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="customer.created", target=customer, after=_snapshot(customer)
    )
    return customer, code


@transaction.atomic
def customer_update(*, tenant, customer: Customer, actor, membership, **changes) -> Customer:
    if MANAGER_FIELDS & set(changes) and not is_manager(membership):
        raise ManagerOnly()
    customer = Customer.objects.select_for_update().get(tenant=tenant, pk=customer.pk)
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"], country=tenant.country)
    if "credit_limit" in changes:
        changes["credit_limit"] = exact_amount(changes["credit_limit"], currency=tenant.currency, field="credit_limit")
    if changes.get("status") == CustomerStatus.ACTIVE and customer.status != CustomerStatus.ACTIVE:
        # Restoring a customer takes a seat again.
        require_feature(tenant, Feature.CREDIT_BOOK)
        check_count_limit(tenant, Limit.MAX_CUSTOMERS)
    before = {name: str(getattr(customer, name)) for name in changes}
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.save()
    action = "customer.archived" if changes.get("status") == CustomerStatus.ARCHIVED else "customer.updated"
    audit_record(
        tenant_id=tenant.pk,
        actor=actor,
        action=action,
        target=customer,
        before=before,
        after={**{name: str(value) for name, value in changes.items()}, **_snapshot(customer)},
    )
    return customer


@transaction.atomic
def customer_remove(*, tenant, customer: Customer, actor) -> bool:
    """Deletes a customer without entries; one with entries is archived (the ledger stays).
    Returns whether it was deleted."""
    customer = Customer.objects.select_for_update().get(tenant=tenant, pk=customer.pk)
    if customer.entries.exists():
        if customer.status != CustomerStatus.ARCHIVED:
            customer.status = CustomerStatus.ARCHIVED
            customer.save(update_fields=["status", "updated_at"])
        audit_record(
            tenant_id=tenant.pk, actor=actor, action="customer.archived", target=customer, after=_snapshot(customer)
        )
        return False
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="customer.deleted", target=customer, before=_snapshot(customer)
    )
    customer.reminders.all().delete()
    customer.delete()
    return True


@transaction.atomic
def access_code_regenerate(*, tenant, customer: Customer, actor) -> str:
    """A new access code, shown this once; the old one stops working at once."""
    code = new_access_code()
    Customer.objects.filter(tenant=tenant, pk=customer.pk).update(access_code_hash=access_code_digest(code))
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="customer.access_code", target=customer, after=_snapshot(customer)
    )
    return code


def statement_link_token(*, tenant, customer: Customer, actor) -> str:
    """A signed token naming the customer and its current link version: valid until it
    expires (CREDIT_STATEMENT_LINK_DAYS) or the links are revoked (the version moves on)."""
    token = signing.dumps(
        {"c": customer.pk, "v": customer.statement_link_version}, salt=STATEMENT_LINK_SALT, compress=True
    )
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="customer.statement_link", target=customer, after=_snapshot(customer)
    )
    return token


def statement_link_payload(token: str) -> dict | None:
    """The customer id and version a link names, None when it is tampered with or expired."""
    try:
        payload = signing.loads(token, salt=STATEMENT_LINK_SALT, max_age=settings.CREDIT_STATEMENT_LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int) or not isinstance(payload.get("v"), int):
        return None
    return payload


@transaction.atomic
def statement_links_revoke(*, tenant, customer: Customer, actor) -> None:
    Customer.objects.filter(tenant=tenant, pk=customer.pk).update(
        statement_link_version=F("statement_link_version") + 1
    )
    audit_record(
        tenant_id=tenant.pk,
        actor=actor,
        action="customer.statement_links_revoked",
        target=customer,
        after=_snapshot(customer),
    )


@transaction.atomic
def credit_settings_update(*, tenant, actor, settings_row: CreditBookSettings, **changes) -> CreditBookSettings:
    for name, value in changes.items():
        setattr(settings_row, name, value)
    settings_row.save()
    audit_record(
        tenant_id=tenant.pk,
        actor=actor,
        action="credit_settings.updated",
        target=settings_row,
        after=dict(changes),
    )
    return settings_row
