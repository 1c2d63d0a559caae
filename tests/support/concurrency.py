"""Real threads for the PostgreSQL concurrency tests, each with its own database connection."""

import threading

from django.db import connection


def run_concurrently(count: int, work) -> list:
    """Starts `count` threads together; each returns what `work(index)` returned or the
    exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
