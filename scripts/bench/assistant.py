"""Assistant benchmark (issue: AI assistant). Seeds one tenant (PRO) with N products counted in
three months on PostgreSQL, serves it with gunicorn as deployed (2 workers, threaded:
backend/gunicorn.conf.py) and measures:

- the fallback answer (AI off): the server's time of POST /api/ai/assistant/ (gunicorn's
  access log), median of repeated requests — target ≤ 50 ms at 50,000 products — with the
  month's facts in the cache (a member's questions in a row), and cold (the facts computed,
  as after any change to the inventory);
- the AI path with a fake model answering at once (tests/support/fake_openai.py): the
  server's time minus the fallback's and minus the fake's own time — the overhead of the
  model call, its checks and the quota — target ≤ 30 ms;
- a page of 50 count lines with 8 concurrent clients, alone and while 4 questions wait on a
  fake model that takes 5 s, in the same run (rounds taking turns) — target ≥ 80 %.

    .venv/bin/python scripts/bench/assistant.py                 # 50,000 products
    .venv/bin/python scripts/bench/assistant.py --size 10000

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_DATABASE_URL to change); uses and drops the
database `stockscan_bench_assistant`.
"""

# ruff: noqa: S101, S311  (a benchmark: asserts check answers, randomness only shapes data)
import argparse
import http.client
import json
import os
import random
import statistics
import threading
import time
from datetime import date

from common import (
    Server,
    count_products,
    create_products,
    production_env,
    record_losses,
    recreate_database,
    settle_database,
    setup_django,
)
from inventory import throughput

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stockscan_bench_assistant")
MONTHS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
MONTH = MONTHS[-1]
BASE_ENV = {"AI_THROTTLE_RATE": "100000/min", "AI_MODEL": "gpt-fake-mini"}


def seed(size: int) -> tuple[str, int]:
    from django.core.management import call_command
    from django_scopes import scopes_disabled
    from rest_framework_simplejwt.tokens import RefreshToken

    from stockscan.accounts.models import User
    from stockscan.entitlements.models import PlanGrant, TenantPlanOverride
    from stockscan.inventory.models import Category
    from stockscan.orgs.models import Membership, Service, Tenant
    from stockscan.orgs.presets import preset_for

    call_command("migrate", verbosity=0)
    rng = random.Random(size)
    with scopes_disabled():
        tenant = Tenant.objects.create(name="Bench", slug=f"bench-assistant-{size}")
        TenantPlanOverride.objects.create(
            tenant=tenant, grant=PlanGrant.LIFETIME, plan="PRO", limits={"ai_requests_monthly_limit": 10**6}
        )
        service = Service.objects.create(tenant=tenant, name="Bar", service_type="bar", **preset_for("bar"))
        user = User.objects.create_user(username="bench", email="bench@example.test", password="x-Bench-42")
        Membership.objects.create(tenant=tenant, user=user, role="owner")
        categories = Category.objects.bulk_create(
            Category(tenant=tenant, service=service, name=f"Catégorie {i}") for i in range(20)
        )
        products = create_products(tenant=tenant, service=service, count=size, rng=rng, categories=categories)
        for month in MONTHS:
            count_products(tenant=tenant, service=service, products=products, month=month, rng=random.Random(7))
            record_losses(tenant=tenant, service=service, products=products, month=month, rng=rng)
    settle_database()
    return str(RefreshToken.for_user(user).access_token), service.pk


def ask(server: Server, token: str, service: int, connection=None, timeout: float = 30) -> dict:
    conn = connection or http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    body = json.dumps({"month": f"{MONTH:%Y-%m}", "service": service})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request("POST", "/api/ai/assistant/", body=body, headers=headers)
    response = conn.getresponse()
    answer = json.loads(response.read())
    if connection is None:
        conn.close()
    assert response.status == 200, answer
    return answer


def server_times(server: Server, token: str, service: int, repeat: int, mode: str) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for _ in range(3):  # warm: connections, the tenant context cache, prepared statements
        ask(server, token, service, connection=conn)
    server.server_milliseconds()
    for _ in range(repeat):
        answer = ask(server, token, service, connection=conn)
        assert answer["mode"] == mode, (answer["mode"], answer["reason"])
    conn.close()
    return server.server_milliseconds(expected=repeat)


def cold_times(server: Server, token: str, service: int, repeat: int) -> list[float]:
    """The fallback when the facts must be computed: the tenant's cached facts dropped first,
    as any change to its inventory does."""
    from django_scopes import scopes_disabled

    from stockscan.assistant.selectors.facts_cache import forget_tenant_facts
    from stockscan.orgs.models import Service

    with scopes_disabled():
        tenant_id = Service.objects.get(pk=service).tenant_id
    server.server_milliseconds()
    for _ in range(repeat):
        forget_tenant_facts(tenant_id)
        ask(server, token, service)
    return server.server_milliseconds(expected=repeat)


def run(size: int, repeat: int, rounds: int) -> dict:
    from tests.support.fake_openai import FakeOpenAI  # importable once setup_django set the path

    recreate_database(DATABASE_URL)
    token, service = seed(size)
    fake = FakeOpenAI().start()
    result = {"products": size, "lines": size * len(MONTHS)}
    try:
        fallback_server = Server(production_env(DATABASE_URL, AI_ENABLED="false", **BASE_ENV))
        try:
            fallback = server_times(fallback_server, token, service, repeat, "fallback")
            cold = cold_times(fallback_server, token, service, max(3, repeat // 4))
        finally:
            fallback_server.stop()
        ai_env = production_env(
            DATABASE_URL,
            AI_ENABLED="true",
            OPENAI_API_KEY="sk-bench",
            OPENAI_BASE_URL=fake.base_url,
            AI_TIMEOUT_SECONDS="15",
            **BASE_ENV,
        )
        ai_server = Server(ai_env)
        try:
            fake.requests.clear()
            started = len(fake.handled_seconds)
            ai = server_times(ai_server, token, service, repeat, "ai")
            fake_ms = statistics.median(fake.handled_seconds[started:]) * 1000
            page = f"/api/count-lines/?service={service}&month={MONTH:%Y-%m}&page_size=50"
            ratios, alone_rates, waiting_rates = [], [], []
            for _ in range(rounds):
                alone = throughput(ai_server, page, token)
                fake.latency = 5.0
                waiters = [
                    threading.Thread(target=ask, args=(ai_server, token, service), kwargs={"timeout": 60})
                    for _ in range(4)
                ]
                waiting_from = len(fake.requests)
                for waiter in waiters:
                    waiter.start()
                while len(fake.requests) < waiting_from + 4:  # the four questions now wait on the model
                    time.sleep(0.01)
                busy = throughput(ai_server, page, token)
                for waiter in waiters:
                    waiter.join()
                fake.latency = 0.0
                alone_rates.append(alone)
                waiting_rates.append(busy)
                ratios.append(busy / alone)
        finally:
            ai_server.stop()
    finally:
        fake.stop()
    fallback_ms, ai_ms = statistics.median(fallback), statistics.median(ai)
    result.update(
        {
            "fallback_server_ms": round(fallback_ms, 1),
            "fallback_cold_server_ms": round(statistics.median(cold), 1),
            "ai_server_ms": round(ai_ms, 1),
            "fake_model_ms": round(fake_ms, 2),
            "ai_overhead_ms": round(ai_ms - fallback_ms - fake_ms, 1),
            "page_rps_alone": round(statistics.median(alone_rates), 1),
            "page_rps_with_4_waiting": round(statistics.median(waiting_rates), 1),
            "page_throughput_kept_percent": round(statistics.median(ratios) * 100, 1),
        }
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_django(production_env(DATABASE_URL, **BASE_ENV))
    print(json.dumps(run(args.size, args.repeat, args.rounds), indent=2))


if __name__ == "__main__":
    main()
