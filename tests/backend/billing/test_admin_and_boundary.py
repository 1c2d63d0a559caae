"""Staff's view of billing (events list, reprocess, billing states) and the rule that one module
talks to Stripe."""

import ast
from pathlib import Path

import pytest

from stockscan.billing.models import StripeEventStatus
from stockscan.core.models import AuditEntry
from stockscan.entitlements.services import billing_state_update
from tests.backend.billing.conftest import stored_event, stored_events

pytestmark = pytest.mark.django_db

BACKEND = Path(__file__).resolve().parents[3] / "backend"


@pytest.fixture
def events(stripe_testbed, workspace, other_workspace):
    """A processed event of tenant A, and an ignored one of tenant B's (unknown at the time)."""
    customer_id = stripe_testbed.connect(workspace)
    processed = stripe_testbed.subscription_event(
        "customer.subscription.created", stripe_testbed.subscribe(customer_id, "PRO")
    )
    stranger = stripe_testbed.fake.add_customer()
    ignored = stripe_testbed.subscription_event(
        "customer.subscription.created", stripe_testbed.subscribe(stranger, "BOUTIQUE")
    )
    stripe_testbed.deliver(processed)
    stripe_testbed.deliver(ignored)
    return {"processed": processed, "ignored": ignored, "stranger": stranger}


def test_the_events_list_shows_status_type_tenant_attempts_and_error(events, admin_client, workspace):
    response = admin_client.get("/admin/billing/stripeevent/")

    assert response.status_code == 200
    page = response.content.decode()
    for event in (events["processed"], events["ignored"]):
        assert event["id"] in page
    assert "customer.subscription.created" in page
    assert workspace.tenant.name in page
    assert events["stranger"] in page, "the ignored event says why"


def test_the_events_list_filters_by_status(events, admin_client):
    response = admin_client.get("/admin/billing/stripeevent/", {"status__exact": "ignored"})

    page = response.content.decode()
    assert events["ignored"]["id"] in page
    assert events["processed"]["id"] not in page


def test_reprocess_runs_ignored_events_again_and_leaves_processed_ones(
    stripe_testbed, events, admin_client, other_workspace, django_capture_on_commit_callbacks
):
    # Staff link the stranger's customer to tenant B, then reprocess both events.
    billing_state_update(tenant=other_workspace.tenant, reason="test", stripe_customer_id=events["stranger"])
    rows = [stored_event(events["processed"]), stored_event(events["ignored"])]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/billing/stripeevent/",
            {"action": "reprocess", "_selected_action": [row.pk for row in rows]},
            follow=True,
        )

    assert "1 événement remis en file" in response.content.decode()
    processed, ignored = stored_event(events["processed"]), stored_event(events["ignored"])
    assert (processed.status, processed.attempts) == (StripeEventStatus.PROCESSED, 1)
    assert (ignored.status, ignored.attempts, ignored.tenant_id) == (
        StripeEventStatus.PROCESSED,
        2,
        other_workspace.tenant.pk,
    )
    assert AuditEntry.objects.with_scopes_disabled().filter(action="billing.event_reprocessed").count() == 1


def test_events_cannot_be_added_or_deleted_in_the_admin(events, admin_client):
    row = stored_events().first()

    assert admin_client.get("/admin/billing/stripeevent/add/").status_code == 403
    assert admin_client.post(f"/admin/billing/stripeevent/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert stored_events().count() == 2


def test_each_tenants_billing_state_is_visible_with_its_stripe_ids(events, admin_client, workspace, other_workspace):
    response = admin_client.get("/admin/entitlements/billingstate/")

    page = response.content.decode()
    assert response.status_code == 200
    assert workspace.tenant.name in page and other_workspace.tenant.name in page
    assert stored_event(events["processed"]).payload["data"]["object"]["customer"] in page
    assert f"/admin/billing/stripeevent/?tenant={workspace.tenant.pk}" in page


def test_the_events_link_of_a_billing_state_lists_that_tenants_events(events, admin_client, workspace):
    response = admin_client.get("/admin/billing/stripeevent/", {"tenant": workspace.tenant.pk})

    page = response.content.decode()
    assert response.status_code == 200
    assert events["processed"]["id"] in page
    assert events["ignored"]["id"] not in page


def _imports_stripe(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "stripe" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "stripe":
            return True
    return False


def test_only_one_module_imports_the_stripe_package():
    importers = {str(path.relative_to(BACKEND)) for path in BACKEND.rglob("*.py") if _imports_stripe(path)}

    assert importers == {"stockscan/billing/stripe_api.py"}
