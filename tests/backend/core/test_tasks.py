from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from stockscan.core.models import AuditEntry
from stockscan.core.tasks import enqueue_on_commit, next_attempt_at, retry_delay
from tests.support.tasks import record_run

pytestmark = pytest.mark.django_db


def runs(tenant, label):
    return AuditEntry.objects.with_scopes_disabled().filter(tenant=tenant, action=f"test.task_ran.{label}")


def test_retry_delay_doubles_from_one_minute_and_is_capped():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert retry_delay(0) == timedelta(minutes=1)
    assert retry_delay(12) == timedelta(hours=6)
    assert retry_delay(10_000) == timedelta(hours=6)
    now = timezone.now()
    assert next_attempt_at(3, now) == now + timedelta(minutes=4)


def test_task_is_queued_only_when_the_transaction_commits(
    workspace, other_workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            enqueue_on_commit(record_run, workspace.tenant.pk, "commit")
            assert not runs(workspace.tenant, "commit").exists()
    assert len(callbacks) == 1
    assert runs(workspace.tenant, "commit").count() == 1
    assert not runs(other_workspace.tenant, "commit").exists()


def test_rolled_back_transaction_queues_nothing(workspace, django_capture_on_commit_callbacks):
    def queue_then_fail():
        with transaction.atomic():
            enqueue_on_commit(record_run, workspace.tenant.pk, "rollback")
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            queue_then_fail()
    assert callbacks == []
    assert not runs(workspace.tenant, "rollback").exists()


def test_deferred_run_is_left_to_the_sweeper_when_the_backend_cannot_wait(
    workspace, django_capture_on_commit_callbacks
):
    # The immediate backend (tests, development) cannot hold a task until later: running it
    # now would retry a failure at once, so the row's due time is left for the sweeper.
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(
            record_run,
            workspace.tenant.pk,
            "later",
            run_after=timezone.now() + timedelta(minutes=5),
        )
    assert not runs(workspace.tenant, "later").exists()
