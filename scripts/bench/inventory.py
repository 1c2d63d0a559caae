"""Inventory benchmark (issue: inventory). Seeds one tenant with N products counted in one
month on PostgreSQL, serves it with gunicorn (2 workers) and measures, over repeated
requests:

- stats of the month: median time and the number of SQL queries of one request;
- the whole month of 1,000 items fetched as the SPA does (pages of 1,000): the server's time
  per 1,000 items (from gunicorn's access log), and the time the client saw;
- throughput of one page of 50 items with 8 concurrent clients, beside /health in the same
  run (5 rounds taking turns; the median of the rounds' ratios), and the page's SQL queries.

    .venv/bin/python scripts/bench/inventory.py                # 1,000 / 10,000 / 50,000
    .venv/bin/python scripts/bench/inventory.py --sizes 1000   # one size

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_DATABASE_URL to change); it uses and drops the
database `stockscan_bench`. Other times are measured by the client over loopback, so they
include HTTP overhead and are an upper bound of the server's time.
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

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stockscan_bench")
MONTH = date(2026, 10, 1)
# The SPA loads a month's lines in pages of the largest size the API allows (MonthPagination).
SPA_PAGE_SIZE = 1000
SERVER_ENV = production_env(DATABASE_URL)


def seed(size: int) -> tuple[str, int]:
    """A tenant with `size` products, all counted in MONTH, and a few hundred losses."""
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
        tenant = Tenant.objects.create(name="Bench", slug=f"bench-{size}")
        TenantPlanOverride.objects.create(tenant=tenant, grant=PlanGrant.LIFETIME, plan="PRO")
        service = Service.objects.create(tenant=tenant, name="Bar", service_type="bar", **preset_for("bar"))
        user = User.objects.create_user(
            username=f"bench{size}", email=f"bench{size}@example.test", password="x-Bench-42"
        )
        Membership.objects.create(tenant=tenant, user=user, role="owner")
        categories = Category.objects.bulk_create(
            Category(tenant=tenant, service=service, name=f"Catégorie {i}") for i in range(20)
        )
        products = create_products(tenant=tenant, service=service, count=size, rng=rng, categories=categories)
        count_products(tenant=tenant, service=service, products=products, month=MONTH, rng=rng)
        record_losses(tenant=tenant, service=service, products=products, month=MONTH, rng=rng)
    settle_database()
    return str(RefreshToken.for_user(user).access_token), service.pk


def timed(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def query_count(path: str, token: str) -> int:
    """The SQL queries of one request, the user's tenant context cached (as the server left it
    in the shared Redis)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    return len(queries)


def throughput(server: Server, path: str, token: str | None, clients: int = 8, seconds: float = 2.0) -> float:
    done = [0] * clients
    stop_at = time.perf_counter() + seconds

    def work(index):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        while time.perf_counter() < stop_at:
            status, _ = server.get(path, token, connection=conn)
            assert status == 200, status
            done[index] += 1
        conn.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def run(size: int) -> dict:
    from django.db import connections

    connections.close_all()
    recreate_database(DATABASE_URL)
    token, service = seed(size)
    server = Server(SERVER_ENV)
    try:
        stats_path = f"/api/inventory-stats/?month={MONTH:%Y-%m}&service={service}"
        status, body = server.get(stats_path, token)
        assert status == 200, (status, body[:300])
        stats_ms = timed(lambda: server.get(stats_path, token), repeat=15)

        def whole_month() -> tuple[float, float]:
            """The month's first 1,000 items, page after page: (client ms, server ms)."""
            items, page = 0, 1
            start = time.perf_counter()
            while True:
                status, body = server.get(
                    f"/api/count-lines/?service={service}&month={MONTH:%Y-%m}&page_size={SPA_PAGE_SIZE}&page={page}",
                    token,
                )
                assert status == 200, body[:200]
                data = json.loads(body)
                items += len(data["results"])
                if not data["next"] or items >= 1000:
                    break
                page += 1
            client_ms = (time.perf_counter() - start) * 1000
            assert items == 1000, items
            return client_ms, sum(server.server_milliseconds(expected=page))

        whole_month()  # warm up both workers
        whole_month()
        server.server_milliseconds()
        months = [whole_month() for _ in range(21)]
        month_client_ms = statistics.median(client for client, _ in months)
        month_server_ms = statistics.median(server_ms for _, server_ms in months)
        page_path = f"/api/count-lines/?service={service}&month={MONTH:%Y-%m}&page_size=50"
        # /health and the page take turns, so that a change in the machine's speed during
        # the run (a shared host) weighs on both: the ratio is the median of the rounds'.
        rounds = [(throughput(server, "/health", None), throughput(server, page_path, token)) for _ in range(5)]
    finally:
        server.stop()
    return {
        "products": size,
        "stats_median_ms": round(stats_ms, 1),
        "stats_queries": query_count(stats_path, token),
        "first_1000_items_server_ms": round(month_server_ms, 1),
        "first_1000_items_client_ms": round(month_client_ms, 1),
        "page50_queries": query_count(page_path, token),
        "page50_rps_8_clients": round(statistics.median(page for _, page in rounds), 1),
        "health_rps_8_clients": round(statistics.median(health for health, _ in rounds), 1),
        "page50_vs_health": f"{statistics.median(page / health for health, page in rounds):.0%}",
        "page50_vs_health_rounds": [f"{page / health:.0%}" for health, page in rounds],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    args = parser.parse_args()
    setup_django(SERVER_ENV)
    results = [run(size) for size in args.sizes]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
