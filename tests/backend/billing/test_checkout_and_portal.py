"""Checkout and the customer portal: owner only, one Stripe customer per tenant, clean JSON
answers when billing is off, the portal is disabled or Stripe fails."""

import logging
import time

import pytest
from rest_framework.test import APIClient

from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import PlanCode
from stockscan.entitlements.services import billing_state_update
from stockscan.orgs.models import Role
from tests.backend.billing.conftest import CHECKOUT_URL, FRONTEND, PORTAL_URL, billing_state, plan_of
from tests.backend.core.responses import assert_error
from tests.conftest import client_for
from tests.support.fake_stripe import unreachable_base_url

pytestmark = pytest.mark.django_db

PRO_MONTHLY = {"plan": "PRO", "cycle": "MONTHLY"}


def _checkout(workspace, body=None, role=Role.OWNER):
    return workspace.client(role).post(CHECKOUT_URL, body or PRO_MONTHLY, format="json")


def test_owner_gets_a_checkout_page_for_the_plan_and_cycle(stripe_testbed, workspace, other_workspace):
    fake = stripe_testbed.fake
    other_before = billing_state(other_workspace)

    response = _checkout(workspace, {"plan": "BOUTIQUE", "cycle": "YEARLY"})

    assert response.status_code == 200, response.content
    [customer_call] = fake.requests_to("POST", "/v1/customers")
    [session_call] = fake.requests_to("POST", "/v1/checkout/sessions")
    customer_id = billing_state(workspace).stripe_customer_id
    assert customer_id in fake.customers
    assert customer_call.params["metadata[tenant_id]"] == str(workspace.tenant.pk)
    assert customer_call.params["email"] == workspace.user(Role.OWNER).email
    assert customer_call.idempotency_key.startswith(f"stockscan-customer-{workspace.tenant.pk}-")
    assert session_call.params == {
        "mode": "subscription",
        "customer": customer_id,
        "client_reference_id": str(workspace.tenant.pk),
        "line_items[0][price]": stripe_testbed.price("BOUTIQUE", "YEARLY"),
        "line_items[0][quantity]": "1",
        "success_url": f"{FRONTEND}/billing/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{FRONTEND}/billing/cancel",
        "metadata[tenant_id]": str(workspace.tenant.pk),
        "metadata[plan]": "BOUTIQUE",
        "metadata[cycle]": "YEARLY",
        "subscription_data[metadata][tenant_id]": str(workspace.tenant.pk),
    }
    [session] = fake.checkout_sessions.values()
    assert response.json() == {"url": f"https://checkout.stripe.com/c/pay/{session['id']}"}
    assert (
        AuditEntry.objects.with_scopes_disabled()
        .filter(tenant=workspace.tenant, action="billing.customer_created")
        .exists()
    )
    assert billing_state(other_workspace).stripe_customer_id == other_before.stripe_customer_id is None


def test_every_stripe_call_sends_the_pinned_api_version_and_our_key(stripe_testbed, workspace):
    _checkout(workspace)
    workspace.client().post(PORTAL_URL)

    calls = stripe_testbed.fake.requests
    assert len(calls) == 3
    assert {call.stripe_version for call in calls} == {"2026-07-29.dahlia"}
    assert {call.authorization for call in calls} == {f"Bearer {stripe_testbed.settings.STRIPE_API_KEY}"}


def test_a_second_checkout_reuses_the_tenants_customer(stripe_testbed, workspace):
    first = _checkout(workspace)
    second = _checkout(workspace, {"plan": "BOUTIQUE", "cycle": "MONTHLY"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(stripe_testbed.fake.requests_to("POST", "/v1/customers")) == 1
    sessions = stripe_testbed.fake.requests_to("POST", "/v1/checkout/sessions")
    assert {call.params["customer"] for call in sessions} == {billing_state(workspace).stripe_customer_id}


def test_other_tenants_get_their_own_customer(stripe_testbed, workspace, other_workspace):
    _checkout(workspace)
    _checkout(other_workspace)

    ours, theirs = billing_state(workspace).stripe_customer_id, billing_state(other_workspace).stripe_customer_id
    assert ours and theirs and ours != theirs
    keys = {call.idempotency_key for call in stripe_testbed.fake.requests_to("POST", "/v1/customers")}
    assert len(keys) == 2


@pytest.mark.parametrize(
    ("body", "code", "allowed"),
    [
        pytest.param({"plan": "GOLD", "cycle": "MONTHLY"}, "INVALID_PLAN", ["BOUTIQUE", "PRO"], id="unknown-plan"),
        pytest.param({"plan": "ESSENTIEL", "cycle": "MONTHLY"}, "INVALID_PLAN", ["BOUTIQUE", "PRO"], id="free-plan"),
        pytest.param({"plan": "ENTERPRISE", "cycle": "YEARLY"}, "INVALID_PLAN", ["BOUTIQUE", "PRO"], id="enterprise"),
        pytest.param({"plan": "pro", "cycle": "MONTHLY"}, "INVALID_PLAN", ["BOUTIQUE", "PRO"], id="lowercase"),
        pytest.param({"plan": "PRO", "cycle": "WEEKLY"}, "INVALID_CYCLE", ["MONTHLY", "YEARLY"], id="unknown-cycle"),
        pytest.param({"plan": "PRO", "cycle": ["MONTHLY"]}, "INVALID_CYCLE", ["MONTHLY", "YEARLY"], id="cycle-list"),
    ],
)
def test_unknown_plan_or_cycle_lists_the_allowed_values(stripe_testbed, workspace, body, code, allowed):
    response = _checkout(workspace, body)

    error = assert_error(response, 400, code)
    assert error["allowed"] == allowed
    assert stripe_testbed.fake.requests == []
    assert billing_state(workspace).stripe_customer_id is None


def test_missing_fields_are_named(stripe_testbed, workspace):
    response = workspace.client().post(CHECKOUT_URL, {}, format="json")

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {"plan", "cycle"}
    assert stripe_testbed.fake.requests == []


def test_billing_fields_in_the_body_are_ignored(stripe_testbed, workspace, other_workspace):
    body = {**PRO_MONTHLY, "tenant": other_workspace.tenant.pk, "customer": "cus_someone_else", "price": "price_x"}

    response = _checkout(workspace, body)

    assert response.status_code == 200
    [session_call] = stripe_testbed.fake.requests_to("POST", "/v1/checkout/sessions")
    assert session_call.params["client_reference_id"] == str(workspace.tenant.pk)
    assert session_call.params["customer"] == billing_state(workspace).stripe_customer_id
    assert session_call.params["line_items[0][price]"] == stripe_testbed.price("PRO")
    assert billing_state(other_workspace).stripe_customer_id is None


@pytest.mark.parametrize("url", [CHECKOUT_URL, PORTAL_URL], ids=["checkout", "portal"])
@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        (Role.MANAGER, 403, "PERMISSION_DENIED"),
        (Role.OPERATOR, 403, "PERMISSION_DENIED"),
        ("operator_bar", 403, "PERMISSION_DENIED"),
        ("outsider", 403, "NO_TENANT_MEMBERSHIP"),
        ("anonymous", 401, "NOT_AUTHENTICATED"),
    ],
)
def test_only_the_owner_may_pay_or_open_the_portal(stripe_testbed, workspace, outsider, url, role, status, code):
    stripe_testbed.connect(workspace)
    clients = {"outsider": lambda: client_for(outsider), "anonymous": APIClient}
    client = clients[role]() if role in clients else workspace.client(role)

    response = client.post(url, PRO_MONTHLY, format="json")

    assert_error(response, status, code)
    assert stripe_testbed.fake.requests == []


def test_owner_gets_a_portal_session_back_to_the_app(stripe_testbed, workspace, other_workspace):
    customer_id = stripe_testbed.connect(workspace)
    stripe_testbed.connect(other_workspace)

    response = workspace.client().post(PORTAL_URL)

    assert response.status_code == 200, response.content
    [call] = stripe_testbed.fake.requests_to("POST", "/v1/billing_portal/sessions")
    assert call.params == {"customer": customer_id, "return_url": FRONTEND}
    assert response.json()["url"].startswith("https://billing.stripe.com/p/session/")


def test_portal_without_a_customer_yet_says_to_subscribe_first(stripe_testbed, workspace, other_workspace):
    stripe_testbed.connect(other_workspace)

    assert_error(workspace.client().post(PORTAL_URL), 409, "NO_BILLING_ACCOUNT")
    assert stripe_testbed.fake.requests == []


def test_disabled_portal_answers_clean_json_without_calling_stripe(stripe_testbed, workspace):
    stripe_testbed.connect(workspace)
    stripe_testbed.settings.STRIPE_PORTAL_DISABLED = True

    response = workspace.client().post(PORTAL_URL)

    assert_error(response, 409, "PORTAL_DISABLED")
    assert stripe_testbed.fake.requests == []


@pytest.mark.parametrize(
    "unset",
    ["STRIPE_API_KEY", "STRIPE_PRICE_PRO_MONTHLY", "STRIPE_PRICE_BOUTIQUE_YEARLY"],
)
@pytest.mark.parametrize("url", [CHECKOUT_URL, PORTAL_URL], ids=["checkout", "portal"])
def test_unconfigured_billing_answers_503(stripe_testbed, workspace, unset, url):
    stripe_testbed.connect(workspace)
    setattr(stripe_testbed.settings, unset, "")

    response = workspace.client().post(url, PRO_MONTHLY, format="json")

    assert_error(response, 503, "BILLING_NOT_CONFIGURED")
    assert stripe_testbed.fake.requests == []


def test_checkout_with_stripe_down_is_a_502_with_stripes_request_id(stripe_testbed, workspace, caplog):
    stripe_testbed.fake.fail_next(2)  # the call and the SDK's one retry

    with caplog.at_level(logging.WARNING, logger="stockscan.billing"):
        response = _checkout(workspace)

    error = assert_error(response, 502, "STRIPE_ERROR")
    calls = stripe_testbed.fake.requests_to("POST", "/v1/customers")
    assert len(calls) == 2, "one retry"
    assert calls[0].idempotency_key == calls[1].idempotency_key, "the retry must not create a second customer"
    assert error["stripe_request_id"] == "req_fake000002"
    assert billing_state(workspace).stripe_customer_id is None
    logged = caplog.text
    assert "req_fake000002" in logged
    assert stripe_testbed.settings.STRIPE_API_KEY not in logged
    assert workspace.user(Role.OWNER).email not in logged


def test_checkout_succeeds_when_the_retry_does(stripe_testbed, workspace):
    stripe_testbed.fake.fail_next(1)

    response = _checkout(workspace)

    assert response.status_code == 200, response.content
    assert len(stripe_testbed.fake.customers) == 1
    assert billing_state(workspace).stripe_customer_id in stripe_testbed.fake.customers


def test_portal_with_stripe_unreachable_is_a_502(stripe_testbed, workspace):
    stripe_testbed.connect(workspace)
    stripe_testbed.settings.STRIPE_API_BASE = unreachable_base_url()

    error = assert_error(workspace.client().post(PORTAL_URL), 502, "STRIPE_ERROR")

    assert error["stripe_request_id"] is None


def test_a_running_subscription_is_changed_in_the_portal_not_bought_twice(stripe_testbed, workspace):
    customer_id = stripe_testbed.connect(workspace)
    subscription = stripe_testbed.subscribe(customer_id)
    stripe_testbed.deliver(stripe_testbed.subscription_event("customer.subscription.created", subscription))

    response = _checkout(workspace)

    assert_error(response, 409, "ALREADY_SUBSCRIBED")
    assert stripe_testbed.fake.requests_to("POST", "/v1/checkout/sessions") == []


# --- One payable Checkout page per tenant: each page can start its own subscription.


def _session_of(response) -> str:
    return response.json()["url"].rsplit("/", 1)[1]


def _open_sessions(fake) -> list[str]:
    return [session_id for session_id, session in fake.checkout_sessions.items() if session["status"] == "open"]


def test_a_second_checkout_for_the_same_plan_gives_the_same_page(stripe_testbed, workspace, other_workspace):
    _checkout(other_workspace)
    first = _checkout(workspace)
    second = _checkout(workspace)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert len(stripe_testbed.fake.requests_to("POST", "/v1/checkout/sessions")) == 2  # one per tenant
    assert billing_state(workspace).stripe_checkout_session_id == _session_of(first)
    assert billing_state(other_workspace).stripe_checkout_session_id not in ("", _session_of(first))


def test_a_checkout_for_another_plan_closes_the_open_page(stripe_testbed, workspace, other_workspace):
    fake = stripe_testbed.fake
    other = _checkout(other_workspace)
    first = _checkout(workspace)
    second = _checkout(workspace, {"plan": "BOUTIQUE", "cycle": "MONTHLY"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert fake.requests_to("POST", "/v1/checkout/sessions/*/expire")[0].path == (
        f"/v1/checkout/sessions/{_session_of(first)}/expire"
    )
    assert fake.checkout_sessions[_session_of(first)]["status"] == "expired"
    assert sorted(_open_sessions(fake)) == sorted([_session_of(second), _session_of(other)])
    assert billing_state(workspace).stripe_checkout_session_id == _session_of(second)


def test_a_page_about_to_expire_is_replaced_not_handed_out(stripe_testbed, workspace):
    fake = stripe_testbed.fake
    first = _checkout(workspace)
    session = fake.checkout_sessions[_session_of(first)]
    fake.put_checkout_session({**session, "expires_at": int(time.time()) + 30 * 60})

    second = _checkout(workspace)

    assert second.status_code == 200
    assert _open_sessions(fake) == [_session_of(second)] != [_session_of(first)]


def test_a_page_already_paid_on_is_not_followed_by_a_second_one(stripe_testbed, workspace, other_workspace):
    """The customer paid, and Stripe's events have not arrived yet: the next checkout reads
    the subscription from Stripe instead of opening a page for a second one."""
    fake = stripe_testbed.fake
    first = _checkout(workspace)
    customer_id = billing_state(workspace).stripe_customer_id
    subscription = stripe_testbed.subscribe(customer_id, "PRO")
    session = fake.checkout_sessions[_session_of(first)]
    fake.put_checkout_session({**session, "status": "complete", "subscription": subscription["id"], "url": None})

    response = _checkout(workspace, {"plan": "BOUTIQUE", "cycle": "YEARLY"})

    assert_error(response, 409, "ALREADY_SUBSCRIBED")
    assert len(fake.requests_to("POST", "/v1/checkout/sessions")) == 1
    state = billing_state(workspace)
    assert (state.stripe_subscription_id, state.subscription_status) == (subscription["id"], "active")
    assert plan_of(workspace).code == PlanCode.PRO
    assert billing_state(other_workspace).stripe_subscription_id == ""


def test_a_tenant_whose_paid_subscription_ended_may_subscribe_again(stripe_testbed, workspace):
    fake = stripe_testbed.fake
    first = _checkout(workspace)
    customer_id = billing_state(workspace).stripe_customer_id
    subscription = stripe_testbed.subscribe(customer_id, "PRO", status="canceled")
    session = fake.checkout_sessions[_session_of(first)]
    fake.put_checkout_session({**session, "status": "complete", "subscription": subscription["id"], "url": None})

    response = _checkout(workspace)

    assert response.status_code == 200, response.content
    assert _open_sessions(fake) == [_session_of(response)]


def test_a_stored_page_stripe_no_longer_knows_is_replaced(stripe_testbed, workspace):
    stripe_testbed.connect(workspace)
    billing_state_update(tenant=workspace.tenant, reason="test", stripe_checkout_session_id="cs_test_forgotten")

    response = _checkout(workspace)

    assert response.status_code == 200, response.content
    assert billing_state(workspace).stripe_checkout_session_id == _session_of(response)


@pytest.mark.parametrize("failing", ["/v1/checkout/sessions/{id}", "/v1/checkout/sessions/{id}/expire"])
def test_stripe_failing_while_the_open_page_is_closed_opens_no_second_page(stripe_testbed, workspace, failing):
    fake = stripe_testbed.fake
    first = _checkout(workspace)
    fake.fail_next(1, should_retry=False, path_end=failing.format(id=_session_of(first)))

    refused = _checkout(workspace, {"plan": "BOUTIQUE", "cycle": "MONTHLY"})
    retried = _checkout(workspace, {"plan": "BOUTIQUE", "cycle": "MONTHLY"})

    assert_error(refused, 502, "STRIPE_ERROR")
    assert len(fake.requests_to("POST", "/v1/checkout/sessions")) == 2  # the first page, then the retry's
    assert retried.status_code == 200
    assert _open_sessions(fake) == [_session_of(retried)]
    assert billing_state(workspace).stripe_checkout_session_id == _session_of(retried)
