"""Exports benchmark (issue: exports). Seeds one tenant with 50,000 counted lines in one month
(and a few hundred losses) on PostgreSQL, serves it with gunicorn (2 workers, default
timeout, production settings) and measures over repeated downloads:

- XLSX: median time of `GET /api/exports/?format=xlsx` beside the floor measured in the
  same run — xlsxwriter in constant-memory mode writing the same rows (all sheets with their
  VAT columns, same formats, and each sheet's totals row) from memory, with no database and
  no HTTP;
- CSV: median time of `GET /api/exports/?format=csv` beside its floor measured in the same
  run — PostgreSQL's `COPY (the inventory sheet's own SQL) TO STDOUT (FORMAT csv)` read by
  psycopg: the database writing the same rows as CSV, no Python per row, no HTTP;
- for both, the peak memory growth of the gunicorn worker that served the request: its
  peak RSS is reset before each request (`/proc/<pid>/clear_refs`), and the growth is its
  VmHWM afterwards minus its VmRSS before.

Targets: XLSX ≤ 1.15 x floor and growth ≤ 64 MB; CSV ≤ 3 x COPY and growth ≤ 32 MB.

    .venv/bin/python scripts/bench/exports.py                  # 50,000 lines, 7 runs each
    .venv/bin/python scripts/bench/exports.py --rows 5000 --repeat 3

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_DATABASE_URL to change); it drops and recreates
the database `stockscan_bench_exports`. Linux only (reads /proc). Times are measured by the
client over loopback, so they include the HTTP transfer.
"""

# ruff: noqa: S101, S311  (a benchmark: asserts check answers, randomness only shapes data)
import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date

import common
from common import (
    count_products,
    create_products,
    production_env,
    record_losses,
    recreate_database,
    settle_database,
    setup_django,
)

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stockscan_bench_exports")
MONTH = date(2026, 10, 1)
SERVER_ENV = production_env(DATABASE_URL, TASKS_BACKEND="immediate")
MB = 1024 * 1024


def seed(rows: int) -> tuple[str, object, int, int]:
    """A PRO tenant whose bar counted `rows` products in MONTH (realistic optional fields,
    some opened containers, expiry dates and lots), 300 losses, and a small kitchen used to
    warm the workers up."""
    from django.core.management import call_command
    from django_scopes import scopes_disabled
    from rest_framework_simplejwt.tokens import RefreshToken

    from stockscan.accounts.models import User
    from stockscan.entitlements.models import PlanGrant, TenantPlanOverride
    from stockscan.inventory.models import Category
    from stockscan.orgs.models import Membership, Service, Tenant
    from stockscan.orgs.presets import preset_for

    call_command("migrate", verbosity=0)
    rng = random.Random(rows)
    with scopes_disabled():
        tenant = Tenant.objects.create(name="Bench Exports", slug="bench-exports")
        TenantPlanOverride.objects.create(tenant=tenant, grant=PlanGrant.LIFETIME, plan="PRO")
        bar = Service.objects.create(tenant=tenant, name="Bar", service_type="bar", **preset_for("bar"))
        kitchen = Service.objects.create(tenant=tenant, name="Cuisine", service_type="kitchen", **preset_for("kitchen"))
        user = User.objects.create_user(username="benchexports", email="bench@example.test", password="x-Bench-42")
        membership = Membership.objects.create(tenant=tenant, user=user, role="owner")
        categories = Category.objects.bulk_create(
            Category(tenant=tenant, service=bar, name=f"Catégorie {i}") for i in range(20)
        )

        bar_products = create_products(
            tenant=tenant,
            service=bar,
            count=rows,
            rng=rng,
            categories=categories,
            name_format="Produit {i:06d} — cuvée spéciale",
            sku_format="PRO-{i:06d}",
        )
        kitchen_products = create_products(
            tenant=tenant,
            service=kitchen,
            count=20,
            rng=rng,
            name_format="Ingrédient {i:06d} — cuvée spéciale",
            sku_format="ING-{i:06d}",
        )
        for service, products in ((bar, bar_products), (kitchen, kitchen_products)):
            count_products(tenant=tenant, service=service, products=products, month=MONTH, rng=rng)
        record_losses(
            tenant=tenant, service=bar, products=bar_products, month=MONTH, rng=rng, note="Casse au service du soir"
        )
    settle_database()
    return str(RefreshToken.for_user(user).access_token), membership, bar.pk, kitchen.pk


# --- The server and its workers


def _proc_status(pid: int, field: str) -> int:
    """A memory figure of /proc/<pid>/status, in bytes."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


class Server(common.Server):
    def ready(self) -> bool:
        return len(self.workers()) == 2

    def workers(self) -> list[int]:
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue
                if parent == self.process.pid:
                    children.append(int(entry))
        return children

    def measured_get(self, path: str, token: str) -> dict:
        """One request: client time, and the memory growth of the worker that served it."""
        workers = self.workers()
        for pid in workers:
            with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
                clear_refs.write("5")  # resets the peak RSS (VmHWM) to the current RSS
        rss_before = {pid: _proc_status(pid, "VmRSS") for pid in workers}
        cpu_before = {pid: _cpu_ticks(pid) for pid in workers}
        start = time.perf_counter()
        status, body = self.get(path, token, timeout=120)
        elapsed = time.perf_counter() - start
        assert status == 200, (status, body[:300])
        served_by = max(workers, key=lambda pid: _cpu_ticks(pid) - cpu_before[pid])
        return {
            "seconds": elapsed,
            "growth": _proc_status(served_by, "VmHWM") - rss_before[served_by],
            "rss_before": rss_before[served_by],
            "bytes": len(body),
        }


# --- The floor: xlsxwriter alone, rows already in memory


def floor_rows(membership, service: int) -> list:
    """The rows of every sheet of the XLSX export, read once into memory."""
    from django.utils import translation
    from django_scopes import scope

    from stockscan.exports.base import FileFormat
    from stockscan.exports.inventory import InventoryExporter

    with translation.override("fr"), scope(tenant=membership.tenant_id):
        options = {"from": f"{MONTH:%Y-%m}", "to": f"{MONTH:%Y-%m}", "service": str(service)}
        exporter = InventoryExporter(tenant=membership.tenant, membership=membership, options=options)
        return [
            (str(sheet.name), [(str(c.header), c.kind) for c in sheet.columns], list(sheet.rows))
            for sheet in exporter.sheets(FileFormat.XLSX)
        ]


def write_floor(sheets: list, path: str) -> None:
    """xlsxwriter constant-memory mode, typed writes with the same number formats."""
    import xlsxwriter

    from stockscan.exports.base import ColumnKind
    from stockscan.exports.rendering import HEADER_STYLE, number_formats

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    header = workbook.add_format(HEADER_STYLE)
    formats = {kind: workbook.add_format({"num_format": p}) if p else None for kind, p in number_formats("EUR").items()}
    for name, columns, rows in sheets:
        worksheet = workbook.add_worksheet(name)
        worksheet.write_row(0, 0, [title for title, _ in columns], header)
        methods = []
        for _, kind in columns:
            if kind == ColumnKind.TEXT:
                methods.append(worksheet.write_string)
            elif kind in (ColumnKind.DATE, ColumnKind.MONTH):
                methods.append(worksheet.write_datetime)
            else:
                methods.append(worksheet.write_number)
        cell_formats = [formats[kind] for _, kind in columns]
        summed = [index for index, (_, kind) in enumerate(columns) if kind in (ColumnKind.MONEY, ColumnKind.INTEGER)]
        totals = dict.fromkeys(summed, 0)
        row_index = 0
        for row_index, row in enumerate(rows, start=1):
            for column_index, value in enumerate(row):
                if value is not None and value != "":
                    methods[column_index](row_index, column_index, value, cell_formats[column_index])
            for column_index in summed:
                if row[column_index] is not None:
                    totals[column_index] += row[column_index]
        worksheet.write_string(row_index + 1, 0, "Total", header)
        for column_index, total in totals.items():
            worksheet.write_number(row_index + 1, column_index, total, cell_formats[column_index])
    workbook.close()


def copy_floor(membership, service: int):
    """The CSV's floor: the inventory sheet's own SQL (the exporter's queryset, rendered by
    Django) run by PostgreSQL as `COPY (…) TO STDOUT (FORMAT csv)` and read whole by psycopg.
    Returns a function that does it once and gives the bytes received."""
    import psycopg
    from django.utils import translation
    from django_scopes import scope

    from stockscan.exports.inventory import InventoryExporter

    with translation.override("fr"), scope(tenant=membership.tenant_id):
        options = {"from": f"{MONTH:%Y-%m}", "to": f"{MONTH:%Y-%m}", "service": str(service)}
        exporter = InventoryExporter(tenant=membership.tenant, membership=membership, options=options)
        sql, params = exporter.inventory_queryset().query.sql_with_params()
    database = psycopg.connect(DATABASE_URL, autocommit=True)
    # COPY takes no bound parameters: the statement with its values written in.
    statement = psycopg.ClientCursor(database).mogrify(sql, params)

    def once() -> int:
        received = 0
        with database.cursor() as cursor, cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                received += len(block)
        return received

    return once


def floor_seconds(sheets: list) -> float:
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        write_floor(sheets, os.path.join(directory, "floor.xlsx"))
        return time.perf_counter() - start


# --- The run


def export_path(service: int, file_format: str) -> str:
    return f"/api/exports/?from={MONTH:%Y-%m}&to={MONTH:%Y-%m}&service={service}&format={file_format}"


def run(rows: int, repeat: int) -> dict:
    from django.db import connections

    connections.close_all()
    recreate_database(DATABASE_URL)
    token, membership, bar, kitchen = seed(rows)
    connections.close_all()
    sheets = floor_rows(membership, bar)
    assert len(sheets[0][2]) == rows, len(sheets[0][2])
    copy_once = copy_floor(membership, bar)
    assert copy_once() > 0
    server = Server(SERVER_ENV)
    try:
        # Warm both workers up (imports, connections, caches) on the small kitchen.
        for _ in range(6):
            for file_format in ("xlsx", "csv"):
                assert server.get(export_path(kitchen, file_format), token)[0] == 200
        xlsx, csv, floor, copy = [], [], [], []
        for _ in range(repeat):
            # Interleaved, so that noise from other processes on the machine hits all four alike.
            floor.append(floor_seconds(sheets))
            xlsx.append(server.measured_get(export_path(bar, "xlsx"), token))
            start = time.perf_counter()
            copy_once()
            copy.append(time.perf_counter() - start)
            csv.append(server.measured_get(export_path(bar, "csv"), token))
    finally:
        server.stop()
    return {"rows": rows, "xlsx": xlsx, "csv": csv, "floor": floor, "copy": copy}


def report(result: dict) -> None:
    def median(samples, key):
        return statistics.median(sample[key] for sample in samples)

    floor = statistics.median(result["floor"])
    copy = statistics.median(result["copy"])
    xlsx_s, csv_s = median(result["xlsx"], "seconds"), median(result["csv"], "seconds")
    xlsx_mb, csv_mb = median(result["xlsx"], "growth") / MB, median(result["csv"], "growth") / MB
    xlsx_peak = max(sample["growth"] for sample in result["xlsx"]) / MB
    csv_peak = max(sample["growth"] for sample in result["csv"]) / MB
    runs = len(result["floor"])
    print(f"\n{result['rows']:,} counted lines, {runs} runs each (medians; max growth in brackets)\n")
    print(f"{'measure':<34}{'result':>22}{'target':>18}  ok")
    rows = [
        ("xlsxwriter floor (from memory)", f"{floor:.2f} s", "", None),
        (
            "XLSX through gunicorn",
            f"{xlsx_s:.2f} s = {xlsx_s / floor:.2f}x floor",
            "<= 1.15x floor",
            xlsx_s <= 1.15 * floor,
        ),
        ("XLSX worker memory growth", f"{xlsx_mb:.1f} MB [{xlsx_peak:.1f}]", "<= 64 MB", xlsx_peak <= 64),
        ("PostgreSQL COPY floor (CSV)", f"{copy:.2f} s", "", None),
        ("CSV through gunicorn", f"{csv_s:.2f} s = {csv_s / copy:.2f}x COPY", "<= 3x COPY", csv_s <= 3 * copy),
        ("CSV worker memory growth", f"{csv_mb:.1f} MB [{csv_peak:.1f}]", "<= 32 MB", csv_peak <= 32),
    ]
    for name, value, target, ok in rows:
        print(f"{name:<34}{value:>22}{target:>18}  {'' if ok is None else ('yes' if ok else 'NO')}")
    print(f"\nfile sizes: XLSX {result['xlsx'][0]['bytes'] / MB:.1f} MB, CSV {result['csv'][0]['bytes'] / MB:.1f} MB")
    print("samples (s): floor", [round(s, 2) for s in result["floor"]])
    print("             xlsx ", [round(s["seconds"], 2) for s in result["xlsx"]])
    print("             csv  ", [round(s["seconds"], 2) for s in result["csv"]])
    print("             copy ", [round(s, 2) for s in result["copy"]])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_django(SERVER_ENV)
    report(run(args.rows, args.repeat))


if __name__ == "__main__":
    main()
