"""What every benchmark shares: production settings for a local run, a fresh PostgreSQL
database, Django set up in the seeding process, and gunicorn (2 workers, as deployed)."""

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings, as deployed (DEBUG off, Redis for the cache), without the HTTPS
    redirect of a proxy. The seeding process uses the same key, so the tokens it signs are
    valid on the server. BENCH_REDIS_URL chooses the Redis database (flushed by `Server`)."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "FRONTEND_URL": "http://127.0.0.1:5173",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path[:0] = [str(BACKEND), str(ROOT)]  # ROOT: the test support modules (fakes)
    import django

    django.setup()


def recreate_database(database_url: str) -> None:
    import psycopg

    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with 2 workers and its default timeout (30 s), as in the Procfile. Its access
    log records, for each request, the server's own time (gunicorn's %(D)s: from the request
    read to the last byte of the answer written), which `server_milliseconds` reads."""

    def __init__(self, env: dict[str, str]):
        if env.get("REDIS_URL"):
            import redis

            # The database was just recreated: nothing cached for an earlier one may remain.
            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        self.port = free_port()
        handle, name = tempfile.mkstemp(prefix="stockscan-bench-", suffix=".log")
        os.close(handle)
        self.access_log = Path(name)
        self._logged = 0
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                str(self.access_log),
                "--access-logformat",
                "%(U)s %(s)s %(D)s",
            ],
            cwd=BACKEND,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                if self.get("/health")[0] == 200 and self.ready():
                    self.server_milliseconds()  # forget the start-up requests
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def server_milliseconds(self, expected: int = 0) -> list[float]:
        """The server's time for each request answered since the last call, in order. A
        worker writes its log line just after the answer: wait for `expected` lines."""
        for _ in range(100):
            lines = self.access_log.read_text().splitlines()[self._logged :]
            if len(lines) >= expected:
                break
            time.sleep(0.01)
        self._logged += len(lines)
        return [int(line.rsplit(" ", 1)[1]) / 1000 for line in lines]

    def ready(self) -> bool:
        return True

    def get(self, path: str, token: str | None = None, connection=None, timeout: float = 30) -> tuple[int, bytes]:
        """One GET; pass an open `connection` to reuse it (keep-alive)."""
        conn = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = conn.getresponse()
        body = response.read()
        if connection is None:
            conn.close()
        return response.status, body

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.access_log.unlink(missing_ok=True)


def count_products(*, tenant, service, products, month, rng) -> None:
    """Counts every product in `month` with realistic optional fields: an opened container
    every tenth line, an expiry date every seventh, a lot every fifth."""
    from datetime import timedelta
    from decimal import Decimal

    from stockscan.inventory.models import CountLine, StockCount

    following = (month + timedelta(days=32)).replace(day=1)
    count = StockCount.objects.create(tenant=tenant, service=service, month=month, line_count=len(products))
    CountLine.objects.bulk_create(
        (
            CountLine(
                tenant=tenant,
                count=count,
                product=product,
                quantity=Decimal(rng.randint(0, 40)),
                container_state="OPENED" if i % 10 == 0 else "SEALED",
                remaining_fraction=Decimal("0.5") if i % 10 == 0 else None,
                expiry_date=following.replace(day=rng.randint(1, 28)) if i % 7 == 0 else None,
                lot=f"L{i % 500}" if i % 5 == 0 else "",
                unit_cost=product.purchase_price,
                unit_price=product.selling_price,
            )
            for i, product in enumerate(products)
        ),
        batch_size=5000,
    )


def create_products(*, tenant, service, count, rng, categories=(), name_format="Produit {i:06d}", sku_format=""):
    """`count` products with realistic optional fields (barcode, prices, VAT, minimum,
    supplier; a category when `categories` are given, a SKU when `sku_format` is)."""
    from decimal import Decimal

    from stockscan.inventory.models import Product

    return Product.objects.bulk_create(
        (
            Product(
                tenant=tenant,
                service=service,
                category=rng.choice(categories) if categories else None,
                name=name_format.format(i=i),
                barcode=f"{3000000000000 + i}",
                sku=sku_format.format(i=i),
                unit=rng.choice(["pcs", "l", "kg"]),
                purchase_price=Decimal(rng.randint(50, 5000)) / 100,
                selling_price=Decimal(rng.randint(100, 9000)) / 100,
                vat_rate=Decimal("20"),
                min_quantity=Decimal(rng.randint(0, 10)),
                supplier=f"Fournisseur {i % 40}",
            )
            for i in range(count)
        ),
        batch_size=5000,
    )


def record_losses(*, tenant, service, products, month, rng, count=300, note="") -> None:
    """One loss of one unit for `count` of the products, on random days of `month`."""
    from decimal import Decimal

    from stockscan.inventory.models import Loss

    Loss.objects.bulk_create(
        Loss(
            tenant=tenant,
            service=service,
            product=product,
            quantity=Decimal("1"),
            unit=product.unit,
            product_quantity=Decimal("1"),
            unit_cost=product.purchase_price,
            reason=rng.choice(["breakage", "expired", "theft", "free", "mistake", "other"]),
            occurred_on=month.replace(day=rng.randint(1, 28)),
            note=note,
        )
        for product in rng.sample(products, min(count, len(products)))
    )


def settle_database() -> None:
    """A live database has planner statistics and a visibility map, which a freshly
    bulk-loaded one lacks; without this, autovacuum would do that work during the measures."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
