"""Credit book benchmark (issue 20). Seeds one tenant (XOF) with 10,000 customers and 200,000
ledger entries on PostgreSQL, serves it with gunicorn (2 workers, production settings) and
measures the server's own time (gunicorn's access log), median of repeated requests, with
the SQL query count of one request:

- GET /api/dashboard/ (target ≤ 50 ms, constant queries);
- GET /api/customers/?page_size=50, balances and statuses included (target ≤ 30 ms), and
  the same page filtered to the overdue customers;
- GET /api/customers/<id>/statement/ of a customer with 500 entries (target ≤ 50 ms);

then 500 payments (each with its own Idempotency-Key, one in ten sent twice as a client
retry) from 8 concurrent clients on a customer who owes less than they add up to: no entry
lost or doubled, the balance never below zero.

    .venv/bin/python scripts/bench/credits.py [--customers 10000 --entries 200000]

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_DATABASE_URL to change); it uses and drops the
database `stockscan_bench_credits`.
"""

# ruff: noqa: S101, S311  (a benchmark: asserts check answers, randomness only shapes data)
import argparse
import http.client
import json
import os
import random
import statistics
import threading
from datetime import timedelta
from decimal import Decimal

from common import Server, production_env, recreate_database, settle_database, setup_django

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stockscan_bench_credits")
SERVER_ENV = production_env(DATABASE_URL)
STATEMENT_ENTRIES = 500
PAYMENTS, CLIENTS, PAYMENT = 500, 8, 1000
OWED = 300 * PAYMENT  # room for 300 of the 500 payments


def seed(customers: int, entries: int) -> dict:
    from django.core.management import call_command
    from django_scopes import scopes_disabled
    from rest_framework_simplejwt.tokens import RefreshToken

    from stockscan.accounts.models import User
    from stockscan.credits.models import Customer, LedgerEntry
    from stockscan.entitlements.models import PlanGrant, TenantPlanOverride
    from stockscan.orgs.models import Membership, Tenant

    call_command("migrate", verbosity=0)
    rng = random.Random(20)
    with scopes_disabled():
        tenant = Tenant.objects.create(
            name="Boutique Bench", slug="bench-credits", currency="XOF", country="SN", timezone="Africa/Dakar"
        )
        TenantPlanOverride.objects.create(tenant=tenant, grant=PlanGrant.LIFETIME, plan="PRO")
        user = User.objects.create_user(username="benchcredits", email="bench@example.test", password="x-Bench-42")
        Membership.objects.create(tenant=tenant, user=user, role="owner")
        people = Customer.objects.bulk_create(
            (
                Customer(tenant=tenant, name=f"Client {i:05d}", phone=f"+22177{i:07d}", language="fr")
                for i in range(customers)
            ),
            batch_size=5000,
        )
        today = tenant.today()
        per_customer = max(2, -(-(entries - STATEMENT_ENTRIES) // (customers - 1)))

        def ledger(customer, count):
            owed = 0
            for _ in range(count):
                on = today - timedelta(days=rng.randint(0, 365))
                if owed and rng.random() < 0.3:
                    amount = rng.randint(1, owed)
                    owed -= amount
                    yield LedgerEntry(
                        tenant=tenant,
                        customer=customer,
                        kind="PAYMENT",
                        amount=amount,
                        signed_amount=-amount,
                        occurred_on=on,
                        method="cash",
                    )
                else:
                    amount = rng.randint(1, 200) * 50
                    owed += amount
                    yield LedgerEntry(
                        tenant=tenant,
                        customer=customer,
                        kind="CREDIT",
                        amount=amount,
                        signed_amount=amount,
                        occurred_on=on,
                        due_date=on + timedelta(days=30),
                    )

        rows = []
        for customer in people[1:]:
            rows.extend(ledger(customer, per_customer))
            if len(rows) >= 20000:
                LedgerEntry.objects.bulk_create(rows, batch_size=5000)
                rows = []
        rows.extend(ledger(people[0], STATEMENT_ENTRIES))
        LedgerEntry.objects.bulk_create(rows, batch_size=5000)
        payer = Customer.objects.create(tenant=tenant, name="Payeur Concurrent")
        LedgerEntry.objects.create(
            tenant=tenant, customer=payer, kind="CREDIT", amount=OWED, signed_amount=OWED, occurred_on=today
        )
        total = LedgerEntry.objects.filter(tenant=tenant).count()
    settle_database()
    return {
        "token": str(RefreshToken.for_user(user).access_token),
        "statement_customer": people[0].pk,
        "payer": payer.pk,
        "entries": total,
        "customers": customers + 1,
    }


def query_count(path: str, token: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def server_median(server: Server, path: str, token: str, repeat: int = 25) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for _ in range(3):  # warm both workers
        assert server.get(path, token, connection=conn)[0] == 200
    server.server_milliseconds(expected=3)
    for _ in range(repeat):
        status, body = server.get(path, token, connection=conn)
        assert status == 200, body[:300]
    conn.close()
    return statistics.median(server.server_milliseconds(expected=repeat))


def post(conn, path: str, token: str, body: dict, key: str) -> tuple[int, dict]:
    conn.request(
        "POST",
        path,
        body=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key},
    )
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def concurrent_payments(server: Server, token: str, payer: int) -> dict:
    """500 payments, 8 clients; every tenth sent twice (a client retrying after a lost answer)."""
    answers: list[tuple[str, int, int | None]] = []
    lock = threading.Lock()
    keys = [f"bench-pay-{i}" for i in range(PAYMENTS)]

    def work(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        for key in keys[index::CLIENTS]:
            for _attempt in range(2 if key.endswith("0") else 1):
                status, body = post(conn, "/api/payments/", token, {"customer": payer, "amount": str(PAYMENT)}, key)
                with lock:
                    answers.append((key, status, body.get("id")))
        conn.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    from django_scopes import scopes_disabled

    from stockscan.credits.models import LedgerEntry

    with scopes_disabled():
        payments = LedgerEntry.objects.filter(customer_id=payer, kind="PAYMENT")
        stored = payments.count()
        stored_keys = set(payments.values_list("client_id", flat=True))
        balance = sum(LedgerEntry.objects.filter(customer_id=payer).values_list("signed_amount", flat=True))
    accepted = {key for key, status, _ in answers if status in (200, 201)}
    refused = {key for key, status, _ in answers if status == 400}
    created = sum(1 for _, status, _ in answers if status == 201)
    ids_per_key = {}
    for key, status, pk in answers:
        if status in (200, 201):
            ids_per_key.setdefault(key, set()).add(pk)
    assert all(len(ids) == 1 for ids in ids_per_key.values()), "a retry answered another entry"
    assert stored == created == len(accepted) == len(stored_keys), (stored, created, len(accepted))
    assert balance == Decimal(OWED - PAYMENT * stored) >= 0, balance
    assert stored == OWED // PAYMENT, stored
    return {
        "requests": len(answers),
        "payments_accepted": len(accepted),
        "payments_refused_overpayment": len(refused - accepted),
        "entries_stored": stored,
        "retries_replayed_200": sum(1 for _, status, _ in answers if status == 200),
        "final_balance": str(balance),
        "statuses": sorted({status for _, status, _ in answers}),
    }


def run(customers: int, entries: int) -> dict:
    from django.db import connections

    connections.close_all()
    recreate_database(DATABASE_URL)
    seeded = seed(customers, entries)
    token = seeded["token"]
    server = Server(SERVER_ENV)
    paths = {
        "dashboard": "/api/dashboard/",
        "customers_page50": "/api/customers/?page_size=50",
        "customers_page50_overdue": "/api/customers/?page_size=50&overdue=true",
        "statement_500_entries": f"/api/customers/{seeded['statement_customer']}/statement/",
    }
    try:
        timings = {name: round(server_median(server, path, token), 1) for name, path in paths.items()}
        payments = concurrent_payments(server, token, seeded["payer"])
    finally:
        server.stop()
    statement = json.loads(server_body(paths["statement_500_entries"], token))
    return {
        "customers": seeded["customers"],
        "entries": seeded["entries"],
        **{f"{name}_server_ms": ms for name, ms in timings.items()},
        **{f"{name}_queries": query_count(path, token) for name, path in paths.items()},
        "statement_lines": len(statement["lines"]),
        "concurrent_payments": payments,
    }


def server_body(path: str, token: str) -> bytes:
    from django.test import Client

    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}").content


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--entries", type=int, default=200000)
    args = parser.parse_args()
    setup_django(SERVER_ENV)
    print(json.dumps(run(args.customers, args.entries), indent=2))


if __name__ == "__main__":
    main()
