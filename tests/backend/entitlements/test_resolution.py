"""The effective plan across every billing situation, with the clock moved by time-machine."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from stockscan.entitlements.models import BillingState, PlanGrant, SubscriptionStatus, TenantPlanOverride
from stockscan.entitlements.plans import Feature, Limit, PlanCode, PlanSource
from stockscan.entitlements.resolution import resolve_effective_plan
from stockscan.entitlements.selectors import effective_plan
from stockscan.orgs.models import Tenant
from tests.factories import TenantFactory

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def billing(**fields) -> BillingState:
    return BillingState(**fields)


def resolve(billing_state=None, override=None, now=START):
    return resolve_effective_plan(billing=billing_state, override=override, now=now)


def test_no_billing_state_is_the_free_plan():
    plan = resolve()
    assert (plan.code, plan.source, plan.expires_at) == (PlanCode.ESSENTIEL, PlanSource.FREE, None)
    assert plan.limit(Limit.MAX_SERVICES) == 1
    assert plan.features == frozenset()


def test_trial_gives_boutique_until_it_ends_then_essentiel():
    state = billing(trial_ends_at=START + timedelta(days=14))
    during = resolve(state, now=START + timedelta(days=13, hours=23))
    after = resolve(state, now=START + timedelta(days=14))
    assert (during.code, during.source, during.expires_at) == (
        PlanCode.BOUTIQUE,
        PlanSource.TRIAL,
        START + timedelta(days=14),
    )
    assert during.has(Feature.LOSS_MANAGEMENT) and not during.has(Feature.EXPORTS_EMAIL)
    assert (after.code, after.source) == (PlanCode.ESSENTIEL, PlanSource.FREE)


def test_active_subscription_is_the_paid_plan_until_period_end():
    period_end = START + timedelta(days=30)
    state = billing(
        subscription_plan=PlanCode.PRO,
        subscription_status=SubscriptionStatus.ACTIVE,
        current_period_end=period_end,
        cancel_at_period_end=True,
    )
    plan = resolve(state)
    assert (plan.code, plan.source, plan.expires_at) == (PlanCode.PRO, PlanSource.STRIPE, period_end)
    assert plan.cancel_at_period_end is True
    assert plan.limit(Limit.MAX_PRODUCTS) is None
    assert plan.has(Feature.MULTI_SERVICE_ANALYTICS)


def test_stripe_trialing_is_a_trial_of_the_subscribed_plan():
    state = billing(
        subscription_plan=PlanCode.PRO,
        subscription_status=SubscriptionStatus.TRIALING,
        trial_ends_at=START + timedelta(days=7),
    )
    plan = resolve(state)
    assert (plan.code, plan.source) == (PlanCode.PRO, PlanSource.TRIAL)


@override_settings(BILLING_GRACE_DAYS=7)
@pytest.mark.parametrize("status", [SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID])
def test_past_due_keeps_the_plan_during_grace_then_falls_to_essentiel(status):
    state = billing(
        subscription_plan=PlanCode.PRO,
        subscription_status=status,
        past_due_since=START,
        current_period_end=START,
    )
    inside = resolve(state, now=START + timedelta(days=6, hours=23))
    after = resolve(state, now=START + timedelta(days=7))
    assert (inside.code, inside.source, inside.grace_ends_at) == (
        PlanCode.PRO,
        PlanSource.STRIPE,
        START + timedelta(days=7),
    )
    assert inside.expires_at == START + timedelta(days=7)
    assert (after.code, after.source) == (PlanCode.ESSENTIEL, PlanSource.FREE)


@pytest.mark.parametrize(
    "status",
    [
        SubscriptionStatus.CANCELED,
        SubscriptionStatus.INCOMPLETE,
        SubscriptionStatus.INCOMPLETE_EXPIRED,
        SubscriptionStatus.PAUSED,
    ],
)
def test_statuses_without_a_paid_plan(status):
    state = billing(subscription_plan=PlanCode.PRO, subscription_status=status, current_period_end=START)
    plan = resolve(state)
    assert (plan.code, plan.source) == (PlanCode.ESSENTIEL, PlanSource.FREE)
    assert plan.subscription_status == status


def test_canceled_subscription_during_the_app_trial_keeps_the_trial():
    state = billing(
        trial_ends_at=START + timedelta(days=3),
        subscription_plan=PlanCode.PRO,
        subscription_status=SubscriptionStatus.CANCELED,
    )
    assert resolve(state).source == PlanSource.TRIAL


def test_manual_grant_until_its_expiry():
    override = TenantPlanOverride(grant=PlanGrant.MANUAL, plan=PlanCode.PRO, expires_at=START + timedelta(days=10))
    during = resolve(billing(), override, now=START)
    after = resolve(billing(), override, now=START + timedelta(days=10))
    assert (during.code, during.source, during.expires_at) == (
        PlanCode.PRO,
        PlanSource.MANUAL,
        START + timedelta(days=10),
    )
    assert (after.code, after.source) == (PlanCode.ESSENTIEL, PlanSource.FREE)


def test_lifetime_grant_never_expires_and_beats_a_canceled_subscription():
    override = TenantPlanOverride(grant=PlanGrant.LIFETIME, plan=PlanCode.BOUTIQUE, expires_at=START)
    state = billing(subscription_plan=PlanCode.PRO, subscription_status=SubscriptionStatus.CANCELED)
    plan = resolve(state, override, now=START + timedelta(days=3650))
    assert (plan.code, plan.source, plan.expires_at) == (PlanCode.BOUTIQUE, PlanSource.LIFETIME, None)


def test_enterprise_override_with_custom_limits_and_features():
    override = TenantPlanOverride(
        grant=PlanGrant.LIFETIME,
        plan=PlanCode.ENTERPRISE,
        limits={"max_users": 25},
        features_removed=["credit_book"],
    )
    plan = resolve(billing(), override)
    assert plan.code == PlanCode.ENTERPRISE
    assert plan.limit(Limit.MAX_USERS) == 25
    assert plan.limit(Limit.MAX_SERVICES) is None
    assert not plan.has(Feature.CREDIT_BOOK)
    assert plan.has(Feature.REPORTS_ADVANCED)


def test_override_without_grant_adjusts_the_current_plan():
    override = TenantPlanOverride(limits={"max_services": 4}, features_added=["exports_email"])
    state = billing(trial_ends_at=START + timedelta(days=1))
    plan = resolve(state, override)
    assert (plan.code, plan.source) == (PlanCode.BOUTIQUE, PlanSource.TRIAL)
    assert plan.limit(Limit.MAX_SERVICES) == 4
    assert plan.has(Feature.EXPORTS_EMAIL)


@pytest.mark.django_db
def test_registration_trial_lasts_trial_days_on_the_real_clock():
    with time_machine.travel(START, tick=False), override_settings(TRIAL_DAYS=14):
        tenant = TenantFactory()
    # A fresh object per "request": the plan is memoised on the tenant instance.
    with time_machine.travel(START + timedelta(days=13), tick=False):
        assert effective_plan(Tenant.objects.get(pk=tenant.pk)).code == PlanCode.BOUTIQUE
    with time_machine.travel(START + timedelta(days=15), tick=False):
        assert effective_plan(Tenant.objects.get(pk=tenant.pk)).code == PlanCode.ESSENTIEL
