"""Background work: one way to queue a task, one retry schedule and one mechanism for work
that must not be lost, for every app.

Work that must not be lost (a Stripe event, an outgoing email, an emailed export) lives in a
row of its own (`core.models.RetryRow`); the task only carries the row's id. The task is
queued when the transaction that wrote the row commits, so the worker never looks for a row
that is not there yet. Whoever runs a row first claims it (`retry_claim`: one conditional
UPDATE, so two workers never both take it), then records the outcome (`retry_succeed`,
`retry_fail`: another attempt after `retry_delay`, or given up after the model's
`max_attempts()`). If queueing fails, the backend cannot hold a task until a later time (the
immediate backend of development and tests), or a worker dies mid-run, the row stays due and
`manage.py run_due_work` (on a schedule in production) runs it: nothing depends on the queue
alone.

Each app registers its kinds of rows, with the task that runs one of them, from its
AppConfig.ready (`register_retry_kind`): core never imports an app.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_tasks.base import Task

from stockscan.core.models import RetryRow

logger = logging.getLogger("stockscan.tasks")

RETRY_BASE_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=6)
LAST_ERROR_MAX_LENGTH = 2000


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


# --- The registry of retry rows


@dataclass(frozen=True)
class RetryKind:
    """A model of retry rows and the task that runs one of them by id (claiming it first):
    queued again after a failed attempt, and called in-process by the sweeper."""

    model: type[RetryRow]
    task: Task

    @property
    def label(self) -> str:
        return self.model._meta.label


_KINDS: dict[str, RetryKind] = {}


def register_retry_kind(model: type[RetryRow], *, task: Task) -> None:
    _KINDS[model._meta.label] = RetryKind(model=model, task=task)


def retry_kinds() -> list[RetryKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)


# --- Claim, succeed, fail


class ClaimLost(Exception):
    """The row's lease ran out while its worker was still at it, and another worker claimed it
    since: this attempt's outcome is not recorded (the other attempt's will be)."""


def _rows(model: type[RetryRow]) -> QuerySet:
    # Retry rows are run across tenants on purpose (tasks, the sweeper): the base manager is
    # never scoped.
    return model._base_manager.all()


def _due(model: type[RetryRow], now: datetime) -> Q:
    statuses = model.retry_statuses
    return Q(status=statuses.waiting, next_attempt_at__lte=now) | Q(status=statuses.running, claimed_until__lte=now)


def retry_due_ids(model: type[RetryRow], *, limit: int) -> list[int]:
    """The rows to run now, longest waiting first: waiting and due, or still running past
    their lease (their worker died)."""
    due = _rows(model).filter(_due(model, timezone.now()))
    order = (F("next_attempt_at").asc(nulls_first=True), F("claimed_until").asc(nulls_last=True), "pk")
    return list(due.order_by(*order).values_list("pk", flat=True)[:limit])


def retry_claim(model: type[RetryRow], pk) -> RetryRow | None:
    """Takes the row for one attempt if it is due; None if it is not (finished, not due yet,
    or held by another worker whose lease runs).

    One conditional UPDATE: of two workers claiming at once, the second waits for the first's
    row lock and then no longer matches, so exactly one gets the row, on any database."""
    now = timezone.now()
    claimed = (
        _rows(model)
        .filter(_due(model, now), pk=pk)
        .update(
            status=model.retry_statuses.running,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
            claimed_until=now + model.retry_lease,
            **_touched(model, now),
        )
    )
    return _rows(model).get(pk=pk) if claimed else None


def _touched(model: type[RetryRow], now: datetime) -> dict:
    # UPDATE skips `auto_now`; rows that record when they changed still do.
    return {field.attname: now for field in model._meta.concrete_fields if getattr(field, "auto_now", False)}


def _record(row: RetryRow, changes: dict) -> bool:
    """Writes the outcome of the attempt `row` was claimed for, unless the row was taken over
    since (`attempts` moved on)."""
    model = type(row)
    changes = {**changes, "claimed_until": None, **_touched(model, timezone.now())}
    written = (
        _rows(model).filter(pk=row.pk, status=model.retry_statuses.running, attempts=row.attempts).update(**changes)
    )
    if not written:
        logger.warning("%s #%s was taken over by another worker: this outcome is dropped.", model._meta.label, row.pk)
        return False
    for name, value in changes.items():
        setattr(row, name, value)
    return True


def retry_succeed(row: RetryRow, *, status: str | None = None, note: str = "", **fields) -> None:
    """Records that the claimed row's work is done (`status`: another finished status of the
    model, such as an ignored Stripe event), with `note` as its last word and `fields` saved
    with it. Call it inside the transaction of the work's own writes: they commit together,
    and if the row was taken over meanwhile, ClaimLost rolls them back."""
    done = {
        "status": status or row.retry_statuses.done,
        "next_attempt_at": None,
        "last_error": note[:LAST_ERROR_MAX_LENGTH],
        **fields,
    }
    if not _record(row, done):
        raise ClaimLost()


def retry_fail(row: RetryRow, *, error: str, permanent: bool = False, **fields) -> bool:
    """Records a failed attempt of the claimed row: due again after `retry_delay(attempts)`
    (its task queued for then), or given up (failed) when `permanent` (retrying cannot help)
    or it was the model's last attempt. `error` must hold nothing secret or personal: staff
    read it, and it is logged. False: the row was taken over since, and nothing was recorded."""
    statuses = type(row).retry_statuses
    error = error[:LAST_ERROR_MAX_LENGTH]
    given_up = permanent or row.attempts >= row.max_attempts()
    retry_at = None if given_up else next_attempt_at(row.attempts)
    status = statuses.failed if given_up else statuses.waiting
    if not _record(row, {"status": status, "next_attempt_at": retry_at, "last_error": error, **fields}):
        return False
    label = row._meta.label
    if given_up:
        logger.error("%s #%s failed for good after %s attempt(s): %s", label, row.pk, row.attempts, error)
    else:
        logger.warning("%s #%s failed (attempt %s), next at %s: %s", label, row.pk, row.attempts, retry_at, error)
        enqueue_on_commit(_KINDS[label].task, row.pk, run_after=retry_at)
    return True


@transaction.atomic
def retry_requeue(rows: QuerySet, *, fresh_attempts: bool) -> list[int]:
    """Makes `rows` due now and queues their task on commit (staff's retry, once the cause is
    fixed); `fresh_attempts` gives them a full set of attempts again. Returns their ids.

    The rows are locked first: of two staff retrying at once, the second finds them no longer
    matching `rows` (no longer failed) and queues nothing."""
    model = rows.model
    now = timezone.now()
    ids = list(rows.select_for_update().values_list("pk", flat=True))
    changes = {"status": model.retry_statuses.waiting, "next_attempt_at": now, "claimed_until": None}
    if fresh_attempts:
        changes["attempts"] = 0
    _rows(model).filter(pk__in=ids).update(**changes, **_touched(model, now))
    for pk in ids:
        enqueue_on_commit(_KINDS[model._meta.label].task, pk)
    return ids
