"""Background work: one way to queue a task and one retry schedule, for every app.

Work that must not be lost (a Stripe event, an outgoing email, an emailed export) lives in a
row of its own with `attempts` and `next_attempt_at`; the task only carries the row's id.
The task is queued when the transaction that wrote the row commits, so the worker never looks
for a row that is not there yet. If queueing fails, or the backend cannot hold a task until a
later time (the immediate backend used in development and tests), the row stays due and the
app's sweeper command (run on a schedule in production) picks it up: nothing depends on the
queue alone.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("stockscan.tasks")

RETRY_BASE_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after `attempts` failed attempts: 1, 2, 4, 8 … minutes, capped at 6 h."""
    exponent = max(attempts - 1, 0)
    if exponent > 16:  # 2**16 minutes is already far beyond the cap
        return RETRY_MAX_DELAY
    return min(RETRY_BASE_DELAY * (2**exponent), RETRY_MAX_DELAY)


def next_attempt_at(attempts: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + retry_delay(attempts)


def enqueue_on_commit(task, *args, run_after: datetime | None = None, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` once the current transaction commits (at once outside one).

    A failure to queue is logged, never raised: the caller's row is already committed and due,
    so the sweeper will run it.
    """

    def enqueue():
        queued = task
        if run_after is not None:
            if not queued.get_backend().supports_defer:
                return  # cannot wait here; the sweeper runs it when it is due
            queued = queued.using(run_after=run_after)
        try:
            queued.enqueue(*args, **kwargs)
        except Exception:
            logger.exception("Could not queue task %s; its sweeper will run it.", task.name)

    transaction.on_commit(enqueue, robust=True)
