"""The one mechanism for work that must not be lost (`core.models.RetryRow`, `core.tasks`),
checked on every kind the apps register: a row is claimed by one worker only, a failed
attempt waits 1, 2, 4 … minutes, the kind's last attempt gives it up, a worker that died
loses its row when its lease runs out, and staff can send a failed row again."""

import secrets
from datetime import date, timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.utils import timezone

from stockscan.billing.models import StripeEvent
from stockscan.core.models import RetryRow
from stockscan.core.tasks import (
    ClaimLost,
    retry_claim,
    retry_delay,
    retry_fail,
    retry_kinds,
    retry_requeue,
    retry_succeed,
)
from stockscan.exports.models import EmailedExport
from stockscan.mail.models import OutboundEmail
from tests.conftest import make_workspace
from tests.support.concurrency import run_concurrently

KINDS = retry_kinds()


def waiting_row(model, tenant):
    """A new row of the kind, due now, as its app writes it (its work is never run here)."""
    if model is StripeEvent:
        return StripeEvent.objects.with_scopes_disabled().create(
            stripe_event_id=f"evt_{secrets.token_hex(8)}", type="plan.created", payload={}
        )
    if model is OutboundEmail:
        return OutboundEmail.objects.with_scopes_disabled().create(
            tenant=tenant,
            recipient="gerante@bistro.test",
            template="accounts/password_reset",
            language="fr",
            sealed_context="",
            subject="Subject",
        )
    if model is EmailedExport:
        return EmailedExport.objects.with_scopes_disabled().create(
            tenant=tenant, exporter="inventory", file_format="csv", quota_period=date(2026, 10, 1)
        )
    raise AssertionError(f"{model._meta.label} is registered: give it a row here")


def reread(row):
    return type(row)._base_manager.get(pk=row.pk)


@pytest.fixture(params=KINDS, ids=[kind.label for kind in KINDS])
def row(request, workspace, other_workspace):
    waiting_row(request.param.model, other_workspace.tenant)
    return waiting_row(request.param.model, workspace.tenant)


def test_every_retry_row_model_is_registered_and_speaks_statuses_of_its_own_field():
    # A model of retry rows nobody registered would never be swept: its lost work stays lost.
    models = {model._meta.label for model in apps.get_models() if issubclass(model, RetryRow)}
    assert models == {kind.label for kind in KINDS}
    assert models >= {"billing.StripeEvent", "mail.OutboundEmail", "exports.EmailedExport"}
    for kind in KINDS:
        model, statuses = kind.model, kind.model.retry_statuses
        field = model._meta.get_field("status")
        assert {statuses.waiting, statuses.running, statuses.done, statuses.failed} <= {v for v, _ in field.choices}
        assert field.default == statuses.waiting, kind.label
        assert model.max_attempts() >= 1


@pytest.mark.django_db
def test_a_claimed_row_is_running_and_cannot_be_claimed_again(row):
    model, statuses = type(row), row.retry_statuses
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        claimed = retry_claim(model, row.pk)

    assert (claimed.status, claimed.attempts) == (statuses.running, 1)
    assert claimed.claimed_until == now + model.retry_lease
    assert retry_claim(model, row.pk) is None
    assert reread(row).attempts == 1


@pytest.mark.django_db
def test_a_finished_or_not_yet_due_row_is_not_claimed(row, workspace):
    model = type(row)
    claimed = retry_claim(model, row.pk)
    retry_succeed(claimed)

    assert reread(row).status == row.retry_statuses.done
    assert retry_claim(model, row.pk) is None

    later = waiting_row(model, workspace.tenant)
    model._base_manager.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert retry_claim(model, later.pk) is None


@pytest.mark.django_db
def test_failed_attempts_wait_one_two_four_minutes_then_the_last_one_gives_up(row):
    model, statuses = type(row), row.retry_statuses
    moment = timezone.now()
    for attempt in range(1, model.max_attempts()):
        with time_machine.travel(moment, tick=False):
            claimed = retry_claim(model, row.pk)
            assert retry_fail(claimed, error=f"HTTP 503 on attempt {attempt}") is True
        stored = reread(row)
        assert (stored.status, stored.attempts, stored.claimed_until) == (statuses.waiting, attempt, None)
        assert stored.next_attempt_at == moment + timedelta(minutes=2 ** (attempt - 1)) == moment + retry_delay(attempt)
        assert stored.last_error == f"HTTP 503 on attempt {attempt}"
        with time_machine.travel(stored.next_attempt_at - timedelta(seconds=1), tick=False):
            assert retry_claim(model, row.pk) is None, "not due before its time"
        moment = stored.next_attempt_at

    with time_machine.travel(moment, tick=False):
        last = retry_claim(model, row.pk)
        retry_fail(last, error="HTTP 503 again")

    stored = reread(row)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == (statuses.failed, model.max_attempts(), None)
    with time_machine.travel(moment + timedelta(days=30), tick=False):
        assert retry_claim(model, row.pk) is None


@pytest.mark.django_db
def test_a_failure_retrying_cannot_fix_gives_up_at_once(row):
    claimed = retry_claim(type(row), row.pk)

    retry_fail(claimed, error="HTTP 400: sender not verified", permanent=True)

    stored = reread(row)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == (row.retry_statuses.failed, 1, None)


@pytest.mark.django_db
def test_a_row_whose_worker_died_is_taken_again_when_its_lease_runs_out(row):
    model, statuses = type(row), row.retry_statuses
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        dead_worker = retry_claim(model, row.pk)
    with time_machine.travel(start + model.retry_lease - timedelta(seconds=1), tick=False):
        assert retry_claim(model, row.pk) is None, "still held by its worker"
    with time_machine.travel(start + model.retry_lease, tick=False):
        second = retry_claim(model, row.pk)

    assert (second.status, second.attempts) == (statuses.running, 2)
    # The first worker comes back late: its outcome is dropped, the second one's counts.
    with pytest.raises(ClaimLost):
        retry_succeed(dead_worker)
    assert retry_fail(dead_worker, error="late") is False
    assert (reread(row).status, reread(row).last_error) == (statuses.running, "")
    retry_succeed(second)
    assert (reread(row).status, reread(row).attempts) == (statuses.done, 2)


@pytest.mark.django_db
def test_staff_send_a_failed_row_again_with_fresh_attempts(row):
    model, statuses = type(row), row.retry_statuses
    retry_fail(retry_claim(model, row.pk), error="refused", permanent=True)
    failed = model._base_manager.filter(status=statuses.failed)

    assert retry_requeue(failed, fresh_attempts=True) == [row.pk]

    stored = reread(row)
    assert (stored.status, stored.attempts) == (statuses.waiting, 0)
    assert stored.next_attempt_at <= timezone.now()
    assert retry_requeue(failed, fresh_attempts=True) == [], "no longer failed"
    assert retry_claim(model, row.pk).attempts == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.parametrize("kind", KINDS, ids=[kind.label for kind in KINDS])
@pytest.mark.parametrize("lease", ["new", "expired"])
def test_of_ten_workers_claiming_one_row_at_once_exactly_one_gets_it(kind, lease):
    workspace = make_workspace("Racing workers")
    other = make_workspace("Other tenant")
    row = waiting_row(kind.model, workspace.tenant)
    waiting_row(kind.model, other.tenant)
    if lease == "expired":
        kind.model._base_manager.filter(pk=row.pk).update(
            status=kind.model.retry_statuses.running, attempts=1, claimed_until=timezone.now(), next_attempt_at=None
        )

    results = run_concurrently(10, lambda _: retry_claim(kind.model, row.pk))

    winners = [result for result in results if isinstance(result, kind.model)]
    assert len(winners) == 1, results
    assert all(result is None for result in results if result not in winners), results
    expected_attempts = 1 if lease == "new" else 2
    assert (reread(row).status, reread(row).attempts) == (kind.model.retry_statuses.running, expected_attempts)
    assert winners[0].attempts == expected_attempts
    assert not kind.model._base_manager.exclude(pk=row.pk).filter(attempts__gt=0).exists()
