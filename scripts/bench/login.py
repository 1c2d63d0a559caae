"""Login benchmark: the server's time for `POST /api/auth/login/` with the production password
hasher (Argon2id, OWASP parameters), served by gunicorn (2 workers, production settings) on
PostgreSQL. Target: median ≤ 150 ms. For comparison, the same run times the hash alone for
Argon2id and for Django's default PBKDF2 (what a login cost before).

    .venv/bin/python scripts/bench/login.py [--logins 60]

Uses and drops the database `stockscan_bench_login` (BENCH_DATABASE_URL to change it).
"""

# ruff: noqa: S101  (a benchmark: asserts check answers)
import argparse
import http.client
import json
import os
import statistics
import time

from common import Server, production_env, recreate_database, setup_django

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stockscan_bench_login")
PASSWORD = "Bench-Login-2026!"
USERS = 20
# Throttles stay on (as deployed) but wide enough for one client sending the whole run.
SERVER_ENV = production_env(DATABASE_URL, LOGIN_THROTTLE_RATE_IP="100000/min", LOGIN_THROTTLE_RATE_USERNAME="1000/min")


def seed() -> list[str]:
    from django.core.management import call_command

    from stockscan.accounts.services import user_create

    call_command("migrate", verbosity=0)
    return [
        user_create(username=f"bench{i}", email=f"bench{i}@example.test", password=PASSWORD, language="fr").username
        for i in range(USERS)
    ]


def hash_milliseconds(hasher: str, rounds: int = 10) -> float:
    from django.contrib.auth.hashers import get_hasher

    algorithm = get_hasher(hasher)
    encoded = algorithm.encode(PASSWORD, algorithm.salt())
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert algorithm.verify(PASSWORD, encoded)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=60)
    args = parser.parse_args()

    recreate_database(DATABASE_URL)
    setup_django(SERVER_ENV)
    usernames = seed()
    server = Server(SERVER_ENV)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for i in range(args.logins):
            body = json.dumps({"username": usernames[i % len(usernames)], "password": PASSWORD})
            connection.request("POST", "/api/auth/login/", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            assert response.status == 200, response.read()
            response.read()
        times = server.server_milliseconds(expected=args.logins)
    finally:
        server.stop()
    # The first login of each user is the one that reads a cold row; keep them all, report both.
    print(
        f"login, server time over {args.logins} logins: median {statistics.median(times):.1f} ms, "
        f"p90 {statistics.quantiles(times, n=10)[-1]:.1f} ms (target: median ≤ 150 ms)"
    )
    print(
        f"hash alone, median of 10: argon2id (OWASP) {hash_milliseconds('argon2'):.1f} ms, "
        f"pbkdf2_sha256 (Django default) {hash_milliseconds('pbkdf2_sha256'):.1f} ms"
    )


if __name__ == "__main__":
    main()
