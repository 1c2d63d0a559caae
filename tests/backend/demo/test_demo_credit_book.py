"""The demo business's credit book: customers who owe, some of them late; seeded once."""

from io import StringIO

from django.core.management import call_command
from django.test import override_settings
from django_scopes import scopes_disabled

from stockscan.credits.models import Customer, LedgerEntry
from stockscan.orgs.models import Membership, Role, Tenant
from tests.conftest import client_for


def seed(*args) -> None:
    call_command("seed_demo", *args, stdout=StringIO())


@override_settings(DEBUG=True)
def test_the_demo_has_customers_who_owe_some_of_them_late(db):
    seed()
    seed()
    with scopes_disabled():
        tenant = Tenant.objects.get(slug="demo-bistrot")
        assert Customer.objects.filter(tenant=tenant).count() == 4
        entries = LedgerEntry.objects.filter(tenant=tenant).count()
        owner = Membership.objects.get(tenant=tenant, role=Role.OWNER).user

    body = client_for(owner).get("/api/dashboard/").json()
    assert body["customers_owing"] == 3
    assert body["overdue"] != "0.00" and body["outstanding"] != "0.00"

    seed("--reset")
    with scopes_disabled():
        tenant = Tenant.objects.get(slug="demo-bistrot")
        assert LedgerEntry.objects.filter(tenant=tenant).count() == entries
