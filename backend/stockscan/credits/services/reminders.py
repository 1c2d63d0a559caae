"""Getting paid: statements emailed to the customer, reminders prepared for the shopkeeper's
own phone (a WhatsApp link and an SMS text, no paid gateway), and automatic email reminders
on the tenant's schedule, each recorded once per credit and step."""

import logging
from datetime import date, datetime, time
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from stockscan.core.audit import audit_record
from stockscan.core.money import quantize_money
from stockscan.credits.errors import NoEmail, NothingOwed
from stockscan.credits.links import statement_link_url
from stockscan.credits.models import (
    CreditBookSettings,
    Customer,
    CustomerStatus,
    LedgerEntry,
    Reminder,
    ReminderChannel,
)
from stockscan.credits.selectors import customer_balance, customer_figures, reminder_due_credits
from stockscan.credits.services.customers import statement_link_token
from stockscan.entitlements.enforcement import quota_reservation
from stockscan.exports.base import QUOTA_METRICS, FileFormat
from stockscan.exports.services import build_export_file
from stockscan.mail.services import email_queue

logger = logging.getLogger("stockscan.credits")


def amount_text(amount: Decimal, currency: str) -> str:
    return f"{quantize_money(amount, currency)} {currency}"


def reminder_text(*, customer: Customer, amount: Decimal, due_date: date | None, url: str) -> str:
    """The reminder in the customer's language: amount, due date, the statement link."""
    tenant = customer.tenant
    with translation.override(customer.language):
        values = {
            "name": customer.first_name,
            "shop": tenant.name,
            "amount": amount_text(amount, tenant.currency),
            "url": url,
        }
        if due_date is None:
            text = _("Hello %(name)s, %(shop)s reminds you that you owe %(amount)s. Your statement: %(url)s")
        else:
            values["due"] = date_format(due_date, "SHORT_DATE_FORMAT")
            text = _(
                "Hello %(name)s, %(shop)s reminds you that you owe %(amount)s, due on %(due)s. Your statement: %(url)s"
            )
        return text % values


@transaction.atomic
def customer_remind(*, tenant, customer: Customer, actor) -> dict:
    """A reminder for the shopkeeper to send: the SMS text and a WhatsApp link, and an email
    queued in the outbox when the customer has an address. 400 NOTHING_OWED when nothing is."""
    balance = customer_balance(customer)
    if balance <= 0:
        raise NothingOwed()
    today = tenant.today()
    figures = customer_figures(tenant=tenant, customer_ids=[customer.pk], today=today).get(customer.pk)
    due = (figures.oldest_overdue_date or figures.next_due_date) if figures else None
    url = statement_link_url(statement_link_token(tenant=tenant, customer=customer, actor=actor))
    message = reminder_text(customer=customer, amount=balance, due_date=due, url=url)
    digits = customer.phone.lstrip("+")
    email_queued = bool(customer.email)
    if email_queued:
        _queue_reminder_email(customer=customer, amount=balance, due_date=due, url=url)
    Reminder.objects.create(
        tenant=tenant,
        customer=customer,
        channel=ReminderChannel.EMAIL if email_queued else ReminderChannel.LINK,
        amount=balance,
        sent_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="customer.reminded", target=customer, after={"name": customer.name}
    )
    return {
        "amount": balance,
        "due_date": due,
        "statement_url": url,
        "message": message,
        "whatsapp_url": f"https://wa.me/{digits}?text={quote(message)}" if digits else None,
        "sms_url": f"sms:{customer.phone}?body={quote(message)}" if digits else None,
        "email_queued": email_queued,
    }


def _queue_reminder_email(*, customer: Customer, amount: Decimal, due_date: date | None, url: str) -> None:
    tenant = customer.tenant
    email_queue(
        to=customer.email,
        template="credits/reminder_email",
        language=customer.language,
        context={
            "name": customer.first_name,
            "shop": tenant.name,
            "amount": amount_text(amount, tenant.currency),
            "due_date": due_date.isoformat() if due_date else "",
            "url": url,
        },
        tenant=tenant,
    )


def statement_email(*, exporter, actor, file_format: FileFormat) -> None:
    """Emails the statement file to the customer through the outbox, under a unit of the
    format's monthly quota (shared with every export; given back if anything fails)."""
    customer = exporter.options["customer"]
    if not customer.email:
        raise NoEmail()
    tenant = exporter.tenant
    with quota_reservation(tenant, QUOTA_METRICS[file_format]), transaction.atomic():
        export = build_export_file(exporter, file_format)
        with export.file:
            content = export.file.read()
        email_queue(
            to=customer.email,
            template="credits/statement_email",
            language=customer.language,
            context={"name": customer.first_name, "shop": tenant.name, "filename": export.filename},
            tenant=tenant,
            attachments=[(export.filename, content, export.content_type.split(";")[0])],
        )
        audit_record(
            tenant_id=tenant.pk,
            actor=actor,
            action="customer.statement_emailed",
            target=customer,
            after={"name": customer.name, "format": file_format, "options": exporter.stored_options()},
        )


# --- Automatic reminders


def _due_now(tenant, settings_row: CreditBookSettings, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(tenant.timezone))
    return local.time() >= time(settings_row.reminder_hour)


def send_scheduled_reminders(*, now: datetime | None = None) -> int:
    """Emails the reminders due today for every tenant that turned them on, from its hour on.
    Each (credit, step) is recorded once (a unique constraint): run as often as you like, a
    reminder is never sent twice. Returns how many were queued."""
    now = now or timezone.now()
    sent = 0
    with scopes_disabled():
        schedules = list(CreditBookSettings.objects.filter(reminders_enabled=True).select_related("tenant"))
    for settings_row in schedules:
        tenant = settings_row.tenant
        if not _due_now(tenant, settings_row, now):
            continue
        with scope(tenant=tenant.pk):
            sent += _tenant_reminders(tenant, settings_row)
    return sent


def _tenant_reminders(tenant, settings_row: CreditBookSettings) -> int:
    due = reminder_due_credits(
        tenant=tenant,
        today=tenant.today(),
        days_before=list(settings_row.reminder_days_before or []),
        days_after=list(settings_row.reminder_days_after or []),
    )
    customers = Customer.objects.filter(tenant=tenant, pk__in={row[1] for row in due}, status=CustomerStatus.ACTIVE)
    by_id = {c.pk: c for c in customers.exclude(email="").select_related("tenant")}
    sent = 0
    for credit_id, customer_id, remaining, due_date, step in due:
        customer = by_id.get(customer_id)
        if customer is None:
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    tenant=tenant,
                    customer=customer,
                    entry=LedgerEntry.objects.get(tenant=tenant, pk=credit_id),
                    step=step,
                    channel=ReminderChannel.EMAIL,
                    amount=remaining,
                )
                url = _link(tenant, customer)
                _queue_reminder_email(customer=customer, amount=remaining, due_date=due_date, url=url)
        except IntegrityError:
            continue  # this step of this credit was already sent
        sent += 1
    return sent


def _link(tenant, customer: Customer) -> str:
    return statement_link_url(statement_link_token(tenant=tenant, customer=customer, actor=None))
