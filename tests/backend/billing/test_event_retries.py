"""When Stripe cannot be reached while an event is processed: the event stays failed, is
retried with backoff by the sweeper (`run_due_work`), is given up after a bounded number of
attempts, and staff can run it again from the admin."""

import json
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from stockscan.billing.models import StripeEvent, StripeEventStatus
from stockscan.billing.services.events import stripe_event_process
from stockscan.entitlements.plans import PlanCode
from tests.backend.billing.conftest import billing_state, plan_of, stored_event
from tests.support.fake_stripe import unreachable_base_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(stripe_testbed, workspace, other_workspace):
    """A PRO subscription created in Stripe, and its (not yet delivered) event."""
    customer_id = stripe_testbed.connect(workspace)
    stripe_testbed.connect(other_workspace)
    subscription = stripe_testbed.subscribe(customer_id, "PRO")
    return stripe_testbed.subscription_event("customer.subscription.created", subscription)


def _sweep() -> str:
    out = StringIO()
    call_command("run_due_work", "--kind", "billing.StripeEvent", stdout=out)
    return out.getvalue()


def test_stripe_unreachable_leaves_the_event_waiting_for_its_next_attempt(stripe_testbed, event, workspace, caplog):
    stripe_testbed.fake.fail_next(2)  # the call and the SDK's retry
    before = timezone.now()

    response = stripe_testbed.deliver(event)

    assert response.json() == {"received": True, "duplicate": False}, "Stripe still gets its 200"
    row = stored_event(event)
    assert (row.status, row.attempts, row.tenant_id) == (StripeEventStatus.RECEIVED, 1, workspace.tenant.pk)
    assert before + timedelta(minutes=1) <= row.next_attempt_at <= timezone.now() + timedelta(minutes=1)
    assert "req_fake000002" in row.last_error
    assert stripe_testbed.settings.STRIPE_API_KEY not in row.last_error + caplog.text
    assert billing_state(workspace).subscription_status == "none"
    assert plan_of(workspace).code != PlanCode.PRO


def test_the_sweeper_runs_a_failed_event_once_it_is_due(stripe_testbed, event, workspace):
    stripe_testbed.settings.STRIPE_API_BASE = unreachable_base_url()
    stripe_testbed.deliver(event)
    stripe_testbed.settings.STRIPE_API_BASE = stripe_testbed.fake.url
    due = stored_event(event).next_attempt_at

    assert "none due" in _sweep()
    assert stored_event(event).attempts == 1

    with time_machine.travel(due + timedelta(seconds=1), tick=True):
        output = _sweep()

    row = stored_event(event)
    assert (row.status, row.attempts, row.next_attempt_at) == (StripeEventStatus.PROCESSED, 2, None)
    assert "1 processed" in output
    assert plan_of(workspace).code == PlanCode.PRO


def test_the_sweeper_runs_an_event_whose_task_was_lost(
    stripe_testbed, event, workspace, django_capture_on_commit_callbacks
):
    body = json.dumps(event).encode()
    with django_capture_on_commit_callbacks(execute=False):  # the queue never runs it
        stripe_testbed.post_webhook(body, stripe_testbed.sign(body))
    assert stored_event(event).status == StripeEventStatus.RECEIVED

    _sweep()

    assert stored_event(event).status == StripeEventStatus.PROCESSED
    assert plan_of(workspace).code == PlanCode.PRO


def test_a_processed_event_never_runs_again(stripe_testbed, event, workspace):
    stripe_testbed.deliver(event)
    row = stored_event(event)
    fetches = len(stripe_testbed.fake.requests)

    assert stripe_event_process(event_id=row.pk) is None
    _sweep()

    assert stored_event(event).attempts == 1
    assert len(stripe_testbed.fake.requests) == fetches


def test_an_event_is_given_up_after_the_last_attempt_and_staff_can_run_it_again(
    stripe_testbed, event, workspace, admin_client, django_capture_on_commit_callbacks
):
    # Stripe says not to retry, so the SDK answers at once and each attempt costs one request.
    stripe_testbed.fake.down = True
    stripe_testbed.fake.fail_next(1, should_retry=False)
    stripe_testbed.deliver(event)
    max_attempts = StripeEvent.max_attempts()
    for _ in range(max_attempts - 1):
        stripe_testbed.fake.fail_next(1, should_retry=False)
        with time_machine.travel(stored_event(event).next_attempt_at + timedelta(seconds=1), tick=True):
            _sweep()

    row = stored_event(event)
    assert (row.status, row.attempts, row.next_attempt_at) == (StripeEventStatus.FAILED, max_attempts, None)
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=True):
        assert "none due" in _sweep()

    stripe_testbed.fake.down = False
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/billing/stripeevent/", {"action": "reprocess", "_selected_action": [row.pk]}, follow=True
        )

    assert response.status_code == 200
    row = stored_event(event)
    assert (row.status, row.attempts) == (StripeEventStatus.PROCESSED, max_attempts + 1)
    assert plan_of(workspace).code == PlanCode.PRO
