"""Stripe webhook benchmark (issue: billing). Seeds tenants with Stripe customers and
subscriptions on PostgreSQL, serves the API with gunicorn (2 workers, production settings,
the database task backend) and sends signed Stripe events from concurrent clients:

- 500 deliveries by default, 20% of them redeliveries of an event already in the batch (so
  some arrive at the same moment as their first delivery), from 8 clients;
- measures the acknowledged events per second and the answer times;
- then drains the task queue with `manage.py db_worker --batch` and checks that every
  distinct event was processed exactly once: one row each, processed at the first attempt,
  one subscription read from Stripe each, and every redelivery acknowledged as a duplicate.

Stripe is a local fake (tests/support/fake_stripe.py) that the SDK is pointed at through
STRIPE_API_BASE, so the worker's reads go through the real SDK and HTTP.

    .venv/bin/python scripts/bench/billing_webhook.py
    .venv/bin/python scripts/bench/billing_webhook.py --events 1000 --clients 16

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_DATABASE_URL to change); it uses and drops the
database `stockscan_bench`. Times are measured by the client over loopback.
"""

# ruff: noqa: S101, S311  (a benchmark: asserts check answers, randomness only shapes data)
import argparse
import http.client
import json
import os
import queue
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time

from common import BACKEND, ROOT, Server, production_env, recreate_database, setup_django

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stockscan_bench")
WEBHOOK_PATH = "/api/auth/billing/webhook/"
# Tasks are queued in the database for the worker, as deployed.
SERVER_ENV = production_env(DATABASE_URL, TASKS_BACKEND="database")
PRICES = {
    f"STRIPE_PRICE_{plan}_{cycle}": f"price_bench_{plan.lower()}_{cycle.lower()}"
    for plan in ("BOUTIQUE", "PRO")
    for cycle in ("MONTHLY", "YEARLY")
}


def seed(fake, tenants: int, rng: random.Random) -> list[dict]:
    """Tenants, each with a Stripe customer and an active subscription in the fake Stripe."""
    from django.core.management import call_command

    from stockscan.entitlements.services import billing_state_start_trial, billing_state_update
    from stockscan.orgs.models import Tenant
    from tests.support import stripe_objects

    call_command("migrate", verbosity=0)
    now = int(time.time())
    subscriptions = []
    for index in range(tenants):
        tenant = Tenant.objects.create(name=f"Bench {index}", slug=f"bench-{index}")
        billing_state_start_trial(tenant=tenant)
        customer_id = fake.add_customer(metadata={"tenant_id": str(tenant.pk)})
        billing_state_update(tenant=tenant, reason="bench", stripe_customer_id=customer_id)
        price = rng.choice(list(PRICES.values()))
        subscriptions.append(
            fake.put_subscription(stripe_objects.subscription(customer=customer_id, price=price, created=now - 3600))
        )
    return subscriptions


def build_events(subscriptions: list[dict], distinct: int, rng: random.Random) -> list[dict]:
    from tests.support import stripe_objects

    now = int(time.time())
    events = []
    for index in range(distinct):
        subscription = subscriptions[index % len(subscriptions)]
        kind = rng.choice(["customer.subscription.updated", "invoice.paid", "invoice.payment_succeeded"])
        if kind.startswith("invoice."):
            obj = stripe_objects.invoice(customer=subscription["customer"], subscription_id=subscription["id"])
        else:
            obj = subscription
        events.append(stripe_objects.event(kind, obj, created=now))
    return events


def send_all(server: Server, deliveries: list[dict], secret: str, clients: int) -> tuple[list, float]:
    from tests.support.stripe_signing import signature_header

    work: queue.Queue = queue.Queue()
    for event in deliveries:
        work.put(json.dumps(event).encode())
    answers: list = []
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        while True:
            try:
                body = work.get_nowait()
            except queue.Empty:
                break
            headers = {"Content-Type": "application/json", "Stripe-Signature": signature_header(body, secret)}
            started = time.perf_counter()
            conn.request("POST", WEBHOOK_PATH, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            elapsed_ms = (time.perf_counter() - started) * 1000
            with lock:
                answers.append((response.status, json.loads(payload), elapsed_ms))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


def drain_queue(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=BACKEND,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500, help="deliveries sent (redeliveries included)")
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of deliveries that are redeliveries")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tenants", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(4)

    sys.path.insert(0, str(ROOT))  # the fake Stripe lives with the tests
    from tests.support.fake_stripe import FakeStripe
    from tests.support.stripe_signing import webhook_secret

    fake = FakeStripe().start()
    secret = webhook_secret()
    stripe_env = {
        "STRIPE_API_KEY": "sk_test_" + secrets.token_urlsafe(24),
        "STRIPE_API_BASE": fake.url,
        "STRIPE_WEBHOOK_SECRET": secret,
        **PRICES,
    }
    setup_django({**SERVER_ENV, **stripe_env})
    recreate_database(DATABASE_URL)
    subscriptions = seed(fake, args.tenants, rng)

    redeliveries = round(args.events * args.duplicates)
    distinct = build_events(subscriptions, args.events - redeliveries, rng)
    deliveries = distinct + [rng.choice(distinct) for _ in range(redeliveries)]
    rng.shuffle(deliveries)
    env = {**os.environ, **SERVER_ENV, **stripe_env}

    server = Server(env)
    try:
        answers, seconds = send_all(server, deliveries, secret, args.clients)
    finally:
        server.stop()
    drain_seconds = drain_queue(env)

    from django.db import connections

    from stockscan.billing.models import StripeEvent, StripeEventStatus

    connections.close_all()
    rows = StripeEvent.objects.with_scopes_disabled()
    statuses = [status for status, _, _ in answers]
    first_deliveries = sum(1 for _, body, _ in answers if body.get("duplicate") is False)
    subscription_reads = len(fake.requests_to("GET", "/v1/subscriptions/*"))
    results = {
        "deliveries": len(deliveries),
        "distinct_events": len(distinct),
        "redeliveries": redeliveries,
        "clients": args.clients,
        "acknowledged_per_second": round(len(answers) / seconds, 1),
        "answer_ms_median": round(statistics.median(ms for _, _, ms in answers), 1),
        "answer_ms_p95": round(statistics.quantiles([ms for _, _, ms in answers], n=20)[18], 1),
        "http_200": statuses.count(200),
        "acknowledged_as_new": first_deliveries,
        "acknowledged_as_duplicate": len(answers) - first_deliveries,
        "stored_events": rows.count(),
        "processed_at_first_attempt": rows.filter(status=StripeEventStatus.PROCESSED, attempts=1).count(),
        "subscription_reads_from_stripe": subscription_reads,
        "queue_drain_seconds": round(drain_seconds, 1),
    }
    fake.stop()
    print(json.dumps(results, indent=2))
    assert statuses.count(200) == len(deliveries), "every delivery is acknowledged"
    assert first_deliveries == rows.count() == len(distinct), "each distinct event stored once"
    assert results["processed_at_first_attempt"] == len(distinct), "each processed, once"
    assert subscription_reads == len(distinct), "one Stripe read per distinct event"


if __name__ == "__main__":
    main()
