"""Getting paid: statements (JSON, CSV, XLSX, emailed; export quotas shared), reminders for
the shopkeeper's phone and by email, and the automatic schedule that never sends twice."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from stockscan.credits import selectors
from stockscan.credits.models import Reminder
from stockscan.entitlements.plans import PlanCode
from stockscan.mail.models import OutboundEmail
from stockscan.orgs.models import Role
from tests.backend.credits.helpers import add_customer, credit, pay, reverse
from tests.plans import set_plan

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Africa/Dakar")), tick=False):
        yield


@pytest.fixture
def shop(workspace, other_workspace):
    set_plan(workspace.tenant, PlanCode.BOUTIQUE)
    workspace.tenant.name = "Boutique Awa"
    workspace.tenant.currency = "XOF"
    workspace.tenant.timezone = "Africa/Dakar"
    workspace.tenant.country = "SN"
    workspace.tenant.save()
    return workspace


def _ledger(shop):
    customer = add_customer(shop, name="Awa Diallo", email="awa@example.test", phone="+221771234567", language="en")
    credit(shop, customer, "5000", on=TODAY - timedelta(days=40), due=TODAY - timedelta(days=10), description="riz")
    pay(shop, customer, "2000", on=TODAY - timedelta(days=20))
    credit(shop, customer, "1500", on=TODAY - timedelta(days=5), due=TODAY + timedelta(days=3), description="huile")
    wrong = credit(shop, customer, "700", on=TODAY - timedelta(days=2))
    reverse(shop, wrong)
    return customer


def test_statement_for_a_period_has_opening_running_and_closing_balances(shop):
    customer = _ledger(shop)
    start = (TODAY - timedelta(days=25)).isoformat()
    body = shop.client(Role.OPERATOR).get(f"/api/customers/{customer.pk}/statement/?start={start}").json()

    assert body["opening_balance"] == "5000"
    assert [(line["amount"], line["balance"]) for line in body["lines"]] == [
        ("-2000", "3000"),
        ("1500", "4500"),
        ("700", "5200"),
        ("-700", "4500"),
    ]
    assert body["closing_balance"] == "4500"
    with scope(tenant=shop.tenant.pk):
        assert Decimal(body["closing_balance"]) == selectors.customer_balance(customer)


def test_statement_files_and_the_shared_export_quota(shop):
    customer = _ledger(shop)
    client = shop.client(Role.OWNER)

    xlsx = client.get(f"/api/customers/{customer.pk}/statement/?format=xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[0][5] == 0 and rows[-1][5] == 4500
    assert [row[4] for row in rows[1:-1]] == [5000, -2000, 1500, 700, -700]

    set_plan(shop.tenant, PlanCode.ESSENTIEL)  # one CSV a month, shared with every export
    first = client.get(f"/api/customers/{customer.pk}/statement/?format=csv")
    csv_text = b"".join(first.streaming_content).decode("utf-8-sig")
    second = client.get(f"/api/customers/{customer.pk}/statement/?format=csv")
    stock_csv = client.get("/api/exports/?format=csv")

    assert "riz" in csv_text and ";4500" in csv_text
    assert (second.status_code, second.json()["code"]) == (403, "LIMIT_EXPORT_CSV_MONTH")
    assert (stock_csv.status_code, stock_csv.json()["code"]) == (403, "LIMIT_EXPORT_CSV_MONTH")


def test_statement_is_emailed_to_the_customer_through_the_outbox(shop):
    customer = _ledger(shop)
    nobody = add_customer(shop, name="Sans Email")
    client = shop.client(Role.OPERATOR)

    sent = client.post(f"/api/customers/{customer.pk}/send-statement/", {"format": "xlsx"}, format="json")
    refused = client.post(f"/api/customers/{nobody.pk}/send-statement/", {}, format="json")

    assert sent.status_code == 202 and sent.json()["email"] == "awa@example.test"
    assert (refused.status_code, refused.json()["code"]) == (400, "NO_EMAIL")
    with scopes_disabled():
        email = OutboundEmail.objects.get(recipient="awa@example.test")
        assert email.template == "credits/statement_email"
        assert email.attachments.get().filename.endswith(".xlsx")


def test_remind_gives_a_whatsapp_link_and_sms_text_and_queues_an_email(shop):
    customer = _ledger(shop)
    response = shop.client(Role.OPERATOR).post(f"/api/customers/{customer.pk}/remind/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["amount"] == "4500" and body["due_date"] == "2026-11-10"
    assert body["whatsapp_url"].startswith("https://wa.me/221771234567?text=")
    text = unquote(body["whatsapp_url"].split("text=", 1)[1])
    assert text == body["message"]
    assert text.startswith("Hello Awa, Boutique Awa reminds you that you owe 4500 XOF, due on")
    assert body["statement_url"] in text and body["email_queued"] is True
    with scopes_disabled():
        assert (
            OutboundEmail.objects.filter(recipient="awa@example.test", template="credits/reminder_email").count() == 1
        )
        assert Reminder.objects.filter(customer=customer).count() == 1
    opened = shop.client(Role.OPERATOR).get(
        f"/api/customers/statement/?token={body['statement_url'].rsplit('/', 1)[1]}"
    )
    assert opened.status_code == 200


def test_the_reminder_is_in_the_customers_language(shop):
    customer = add_customer(shop, name="Moussa Sow", phone="+221771234568", language="fr")
    credit(shop, customer, "1000")
    body = shop.client(Role.OPERATOR).post(f"/api/customers/{customer.pk}/remind/").json()
    assert body["message"].startswith("Bonjour Moussa") and body["email_queued"] is False


def test_nothing_owed_is_not_reminded(shop):
    customer = add_customer(shop, phone="+221771234569")
    response = shop.client(Role.OPERATOR).post(f"/api/customers/{customer.pk}/remind/")
    assert (response.status_code, response.json()["code"]) == (409, "NOTHING_OWED")


def _schedule(shop, **changes):
    with scope(tenant=shop.tenant.pk):
        row = selectors.credit_book_settings(shop.tenant)
        for name, value in changes.items():
            setattr(row, name, value)
        row.save()


def test_scheduled_reminders_are_sent_once_per_step(shop, other_workspace):
    customer = add_customer(shop, name="Awa Diallo", email="awa@example.test", language="en")
    credit(shop, customer, "1500", due=TODAY + timedelta(days=3))
    late = add_customer(shop, name="Late Payer", email="late@example.test")
    credit(shop, late, "900", on=TODAY - timedelta(days=30), due=TODAY - timedelta(days=7))
    paid = add_customer(shop, name="Paid Up", email="paid@example.test")
    credit(shop, paid, "900", due=TODAY + timedelta(days=3))
    pay(shop, paid, "900")
    _schedule(shop, reminders_enabled=True, reminder_days_before=[3], reminder_days_after=[1, 7], reminder_hour=9)

    call_command("send_credit_reminders")
    call_command("send_credit_reminders")

    with scopes_disabled():
        recipients = sorted(OutboundEmail.objects.values_list("recipient", flat=True))
        steps = sorted(Reminder.objects.values_list("step", flat=True))
    assert recipients == ["awa@example.test", "late@example.test"]
    assert steps == ["after:7", "before:3"]


def test_scheduled_reminders_wait_for_the_hour_and_the_switch(shop):
    customer = add_customer(shop, email="awa@example.test")
    credit(shop, customer, "1500", due=TODAY + timedelta(days=3))
    _schedule(shop, reminders_enabled=False, reminder_days_before=[3])
    call_command("send_credit_reminders")
    _schedule(shop, reminders_enabled=True, reminder_hour=11)
    call_command("send_credit_reminders")
    with scopes_disabled():
        assert not OutboundEmail.objects.exists()
    with time_machine.travel(datetime(2026, 11, 20, 11, 5, tzinfo=ZoneInfo("Africa/Dakar")), tick=False):
        call_command("send_credit_reminders")
    with scopes_disabled():
        assert OutboundEmail.objects.count() == 1


def test_credit_settings_are_read_by_members_and_changed_by_managers(shop):
    assert shop.client(Role.OPERATOR).get("/api/credit-settings/").json()["payment_term_days"] == 30
    refused = shop.client(Role.OPERATOR).patch("/api/credit-settings/", {"payment_term_days": 15}, format="json")
    changed = shop.client(Role.MANAGER).patch(
        "/api/credit-settings/", {"payment_term_days": 15, "reminder_days_after": [2, 10]}, format="json"
    )
    assert refused.status_code == 403
    assert changed.json()["payment_term_days"] == 15 and changed.json()["reminder_days_after"] == [2, 10]
