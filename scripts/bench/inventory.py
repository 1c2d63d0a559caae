"""Inventory benchmark (issue: inventory). Seeds one tenant with N products counted in one
month on PostgreSQL, serves it with gunicorn (2 workers) and measures, over repeated
requests:

- stats of the month: median time and the number of SQL queries of one request (target ≤ 10),
  beside the floor measured in the same run: the SQL the stats selector runs, captured and
  run again directly through psycopg (target ≤ 1.5x it);
- the whole month of 1,000 items fetched as the SPA does (pages of 1,000): the server's time
  per 1,000 items (from gunicorn's access log), and the time the client saw, for each writer
  of the lines' JSON (PostgreSQL, Python: one server each, taking turns), beside the floor
  of the same rows fetched with psycopg and written with json.dumps, and the ratio to it;
- throughput of one page of 50 items with 8 concurrent clients, beside /health in the same
  run (5 rounds taking turns; the median of the rounds' ratios), and the page's SQL queries;
- starting the next month from the counted one (issue 17: target 2 s of server time at 50,000
  lines): the server's time of the POST that starts it, of its detail (counted / to count)
  and of the first page of its checklist, each the median of repeated runs (the empty month
  is deleted between runs, through the API).

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
from datetime import date, timedelta

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


def stats_floor(service: int):
    """The floor of the stats: the statements the stats selector runs (captured from one call,
    with their parameters written in), run again through psycopg and fetched, no Django in
    between. Returns a function that does it once."""
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scope, scopes_disabled

    from stockscan.inventory.selectors.stats import inventory_stats
    from stockscan.orgs.models import Membership, Service

    with scopes_disabled():
        bar = Service.objects.select_related("tenant").get(pk=service)
        membership = Membership.objects.select_related("tenant").get(tenant=bar.tenant)
    with scope(tenant=bar.tenant_id), CaptureQueriesContext(connection) as queries:
        inventory_stats(tenant=bar.tenant, membership=membership, month=MONTH, service=bar)
    statements = [query["sql"] for query in queries.captured_queries]
    database = psycopg.connect(DATABASE_URL, autocommit=True)

    def once() -> int:
        rows = 0
        with database.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                rows += len(cursor.fetchall())
        return rows

    assert once() > 0
    return once


def month_floor(service: int):
    """The floor of the month's page: the same 1,000 rows (the page's own SQL) fetched with
    psycopg and written with json.dumps, no Django or DRF in between. Returns a function
    that does it once."""
    import psycopg
    from django_scopes import scopes_disabled

    from stockscan.inventory.selectors.listing import count_line_list
    from stockscan.inventory.serializers import count_line_rows
    from stockscan.orgs.models import Membership, Service

    with scopes_disabled():
        tenant = Service.objects.get(pk=service).tenant
        membership = Membership.objects.select_related("tenant").get(tenant=tenant)
        lines = count_line_list(tenant=membership.tenant, membership=membership, service=service, month=MONTH)
        page = count_line_rows(tenant.currency, hide_purchase_costs=False).rows(lines)[:SPA_PAGE_SIZE]
        sql, params = page.query.sql_with_params()
    # The names ValuesIterable gives the columns, in the order the SQL selects them.
    names = [*page.query.extra_select, *page.query.values_select, *page.query.annotation_select]
    connection = psycopg.connect(DATABASE_URL, autocommit=True)

    def once() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        json.dumps({"count": len(rows), "results": rows}, default=str).encode()
        return len(rows)

    assert once() == SPA_PAGE_SIZE
    return once


# --- Starting a month from a counted one (issue 17, rule 1)


def _send(server: Server, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    content = response.read()
    conn.close()
    return response.status, content


def start_next_month(server: Server, token: str, service: int, repeat: int = 7) -> dict:
    """The next month started (POST /api/counts/), read (its counted / to-count totals) and its
    checklist's first page, as the SPA does on opening it: server milliseconds, medians."""
    following = (MONTH.replace(day=28) + timedelta(days=5)).replace(day=1)
    server.server_milliseconds()
    starts, details, checklists = [], [], []
    for _ in range(repeat):
        status, body = _send(server, "POST", "/api/counts/", token, {"service": service, "month": f"{following:%Y-%m}"})
        assert status == 201, body[:300]
        count = json.loads(body)
        assert count["products_to_count"] > 0, count
        status, body = _send(server, "GET", f"/api/counts/{count['id']}/", token)
        assert status == 200, body[:300]
        status, body = _send(server, "GET", f"/api/counts/{count['id']}/checklist/?page_size=50", token)
        assert status == 200, body[:300]
        assert len(json.loads(body)["results"]) == 50, body[:300]
        start_ms, detail_ms, checklist_ms = server.server_milliseconds(expected=3)
        starts.append(start_ms)
        details.append(detail_ms)
        checklists.append(checklist_ms)
        status, body = _send(server, "DELETE", f"/api/counts/{count['id']}/", token)
        assert status == 204, body[:300]
        server.server_milliseconds(expected=1)
    return {
        "start_month_server_ms": round(statistics.median(starts), 1),
        "start_month_detail_server_ms": round(statistics.median(details), 1),
        "start_month_checklist_page50_server_ms": round(statistics.median(checklists), 1),
        "start_month_target_ms": 2000,
    }


def run(size: int) -> dict:
    from django.db import connections

    connections.close_all()
    recreate_database(DATABASE_URL)
    token, service = seed(size)
    # The month's JSON written by PostgreSQL, and by Python (RowSerializer): one server each,
    # measured in turns in the same run.
    servers = {
        writer: Server({**SERVER_ENV, "ROWS_JSON_IN_DATABASE": str(writer == "database")})
        for writer in ("database", "python")
    }
    server = servers["database"]
    try:
        stats_path = f"/api/inventory-stats/?month={MONTH:%Y-%m}&service={service}"
        status, body = server.get(stats_path, token)
        assert status == 200, (status, body[:300])
        stats_floor_once = stats_floor(service)
        stats_samples, stats_floor_samples = [], []
        for _ in range(15):  # in turns, so that the machine's changes of speed weigh on both
            stats_samples.append(timed(lambda: server.get(stats_path, token), repeat=1))
            stats_floor_samples.append(timed(stats_floor_once, repeat=1))
        stats_ms, stats_floor_ms = statistics.median(stats_samples), statistics.median(stats_floor_samples)

        def whole_month(server: Server) -> tuple[float, float]:
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

        floor = month_floor(service)
        for each in servers.values():
            whole_month(each)  # warm up both workers
            whole_month(each)
            each.server_milliseconds()
        months = {writer: [] for writer in servers}
        floors = []
        for _ in range(21):
            for writer, each in servers.items():
                months[writer].append(whole_month(each))
            floors.append(timed(floor, repeat=1))
        month_client_ms = {writer: statistics.median(client for client, _ in runs) for writer, runs in months.items()}
        month_server_ms = {writer: statistics.median(ms for _, ms in runs) for writer, runs in months.items()}
        floor_ms = statistics.median(floors)
        page_path = f"/api/count-lines/?service={service}&month={MONTH:%Y-%m}&page_size=50"
        # /health and the page take turns, so that a change in the machine's speed during
        # the run (a shared host) weighs on both: the ratio is the median of the rounds'.
        rounds = [(throughput(server, "/health", None), throughput(server, page_path, token)) for _ in range(5)]
        start_month = start_next_month(server, token, service)
    finally:
        for each in servers.values():
            each.stop()
    return {
        "products": size,
        "stats_median_ms": round(stats_ms, 1),
        "stats_floor_ms": round(stats_floor_ms, 1),
        "stats_vs_floor": round(stats_ms / stats_floor_ms, 2),
        "stats_queries": query_count(stats_path, token),
        "first_1000_items_floor_ms": round(floor_ms, 1),
        **{f"first_1000_items_server_ms_{writer}": round(ms, 1) for writer, ms in month_server_ms.items()},
        **{f"first_1000_items_vs_floor_{writer}": round(ms / floor_ms, 2) for writer, ms in month_server_ms.items()},
        **{f"first_1000_items_client_ms_{writer}": round(ms, 1) for writer, ms in month_client_ms.items()},
        "page50_queries": query_count(page_path, token),
        "page50_rps_8_clients": round(statistics.median(page for _, page in rounds), 1),
        "health_rps_8_clients": round(statistics.median(health for health, _ in rounds), 1),
        "page50_vs_health": f"{statistics.median(page / health for health, page in rounds):.0%}",
        "page50_vs_health_rounds": [f"{page / health:.0%}" for health, page in rounds],
        **start_month,
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
