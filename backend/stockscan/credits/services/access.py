"""The customer's own, read-only view: by access code or by a shared statement link.

Every code, known or not, well-formed or not, costs the same work: one HMAC and one indexed
lookup of its digest. So an unknown, a revoked and a malformed code answer alike and in the
same time, and nothing tells a guesser how close they came."""

from datetime import date

from django_scopes import scopes_disabled

from stockscan.credits.errors import AccessCodeInvalid, StatementLinkInvalid
from stockscan.credits.models import Customer, CustomerStatus, EntryKind, LedgerEntry
from stockscan.credits.selectors import credit_positions, customer_balance
from stockscan.credits.services.customers import access_code_digest, statement_link_payload

RECENT_PAYMENTS = 10


def customer_by_code(code: str) -> Customer:
    digest = access_code_digest(code or "")
    with scopes_disabled():
        customer = (
            Customer.objects.select_related("tenant")
            .filter(access_code_hash=digest, status=CustomerStatus.ACTIVE)
            .first()
        )
    if customer is None:
        raise AccessCodeInvalid()
    return customer


def customer_by_statement_link(token: str) -> Customer:
    payload = statement_link_payload(token)
    with scopes_disabled():
        customer = (
            Customer.objects.select_related("tenant")
            .filter(pk=(payload or {}).get("c", 0), statement_link_version=(payload or {}).get("v", -1))
            .first()
        )
    if payload is None or customer is None:
        raise StatementLinkInvalid()
    return customer


def public_statement(customer: Customer) -> dict:
    """What the customer may read: the shop's name, their first name, balance, open credits
    with due dates and recent payments. Nothing else (no notes, no limit, no other customer)."""
    tenant = customer.tenant
    today: date = tenant.today()
    with scopes_disabled():
        positions = credit_positions(customer=customer, today=today)
        credits = LedgerEntry.objects.filter(tenant=tenant, pk__in=list(positions)).order_by("occurred_on", "id")
        payments = LedgerEntry.objects.filter(
            tenant=tenant, customer=customer, kind=EntryKind.PAYMENT, reversed_by=None
        ).order_by("-occurred_on", "-id")[:RECENT_PAYMENTS]
        balance = customer_balance(customer)
        open_credits = [
            {
                "occurred_on": entry.occurred_on,
                "description": entry.description,
                "amount": entry.amount,
                "remaining": positions[entry.pk][0],
                "due_date": entry.due_date,
                "overdue": positions[entry.pk][1] == "overdue",
            }
            for entry in credits
            if positions[entry.pk][0] > 0
        ]
        recent = [{"occurred_on": p.occurred_on, "amount": p.amount, "method": p.method} for p in payments]
    return {
        "shop": tenant.name,
        "first_name": customer.first_name,
        "currency": tenant.currency,
        "balance": balance,
        "open_credits": open_credits,
        "recent_payments": recent,
    }
