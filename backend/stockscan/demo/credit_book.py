"""The demo business's credit book: a few regulars who buy on credit, some of them late, one
paid up; written through the credit book's services like any shop's."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from stockscan.credits.models import Customer
from stockscan.credits.services.customers import customer_create
from stockscan.credits.services.ledger import credit_record, payment_record
from stockscan.orgs.models import Membership, Role


@dataclass(frozen=True)
class DemoCredit:
    days_ago: int
    amount: str
    description: str
    due_in_days: int  # from the credit's date


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    phone: str
    email: str
    credits: tuple[DemoCredit, ...]
    paid: str = "0"  # paid back so far, the oldest credits first


DEMO_CUSTOMERS = (
    DemoCustomer(
        "Mamadou Sy",
        "+33612345601",
        "mamadou.sy@demo.stockscan.local",
        (DemoCredit(75, "86.40", "Repas d'équipe", 30), DemoCredit(20, "24.50", "Déjeuners", 30)),
        paid="40.00",
    ),
    DemoCustomer(
        "Claire Dubois",
        "+33612345602",
        "",
        (DemoCredit(12, "18.90", "Apéritif du vendredi", 15),),
    ),
    DemoCustomer(
        "Karim Benali",
        "+33612345603",
        "karim.benali@demo.stockscan.local",
        (DemoCredit(40, "52.00", "Anniversaire", 14), DemoCredit(3, "15.00", "Cafés", 30)),
    ),
    DemoCustomer(
        "Sophie Laurent",
        "",
        "sophie.laurent@demo.stockscan.local",
        (DemoCredit(30, "33.20", "Dîner", 15),),
        paid="33.20",
    ),
)


def demo_credit_book(*, tenant, owner, today: date) -> None:
    """Adds the demo customers and their credits and payments, once (idempotent: a tenant
    that already has customers is left as it is). Runs inside the tenant's scope."""
    if Customer.objects.filter(tenant=tenant).exists():
        return
    membership = Membership.objects.get(tenant=tenant, user=owner, role=Role.OWNER)
    for demo in DEMO_CUSTOMERS:
        customer, _code = customer_create(
            tenant=tenant, actor=owner, name=demo.name, phone=demo.phone, email=demo.email
        )
        for entry in demo.credits:
            on = today - timedelta(days=entry.days_ago)
            credit_record(
                tenant=tenant,
                customer=customer,
                actor=owner,
                membership=membership,
                amount=Decimal(entry.amount),
                description=entry.description,
                occurred_on=on,
                due_date=on + timedelta(days=entry.due_in_days),
            )
        if Decimal(demo.paid):
            payment_record(tenant=tenant, customer=customer, actor=owner, amount=Decimal(demo.paid), method="cash")
