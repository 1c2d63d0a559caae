"""The tenant context cache (stockscan.orgs.tenancy.context_cache): a request whose user, membership,
tenant, plan rows and services are cached reads none of them from the database, and every
change to one of those rows is seen by the very next request."""

import os
import pickle
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework_simplejwt.utils import get_md5_hash_password

from stockscan.entitlements.plans import PlanCode
from stockscan.entitlements.services import billing_state_update
from stockscan.orgs.models import Role
from stockscan.orgs.tenancy import context_cache
from tests.conftest import client_for
from tests.factories import PASSWORD, MembershipFactory, ServiceFactory
from tests.plans import set_plan
from tests.support.outages import closed_port

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/categories/"
MEMBERS = "/api/auth/memberships/"
ENTITLEMENTS = "/api/auth/me/org/entitlements"


def member_url(membership) -> str:
    return f"{MEMBERS}{membership.pk}/"


def _sql(queries) -> str:
    return "\n".join(query["sql"] for query in queries.captured_queries)


def test_a_cached_request_reads_no_user_membership_tenant_or_service(workspace):
    client = workspace.client(Role.OPERATOR)
    assert client.get(CATEGORIES, {"service": workspace.bar.pk}).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        response = client.get(CATEGORIES, {"service": workspace.bar.pk})

    assert response.status_code == 200
    for table in ("accounts_user", "orgs_membership", "orgs_tenant", "orgs_service", "entitlements_billingstate"):
        assert table not in _sql(queries), table


def test_a_role_change_applies_to_the_next_request(workspace):
    manager = workspace.client(Role.MANAGER)
    assert manager.get(MEMBERS).status_code == 200

    demoted = workspace.client(Role.OWNER).patch(
        member_url(workspace.members[Role.MANAGER]), {"role": "operator"}, format="json"
    )

    assert demoted.status_code == 200
    assert (manager.get(MEMBERS).status_code, manager.get(MEMBERS).json()["code"]) == (403, "PERMISSION_DENIED")


def test_a_removed_member_is_refused_at_once(workspace):
    operator = workspace.client(Role.OPERATOR)
    assert operator.get(CATEGORIES).status_code == 200

    removed = workspace.client(Role.OWNER).delete(member_url(workspace.members[Role.OPERATOR]))

    assert removed.status_code == 204
    refused = operator.get(CATEGORIES)
    assert (refused.status_code, refused.json()["code"]) == (403, "NO_TENANT_MEMBERSHIP")


def test_a_member_moved_to_another_service_loses_the_first_at_once(workspace):
    operator = workspace.client("operator_bar")
    assert operator.get(CATEGORIES, {"service": workspace.bar.pk}).status_code == 200

    moved = workspace.client(Role.OWNER).patch(
        member_url(workspace.members["operator_bar"]), {"service": workspace.kitchen.pk}, format="json"
    )

    assert moved.status_code == 200
    assert operator.get(CATEGORIES, {"service": workspace.bar.pk}).status_code == 404
    assert operator.get(CATEGORIES, {"service": workspace.kitchen.pk}).status_code == 200


def test_a_deactivated_user_is_refused_at_once(workspace):
    operator = workspace.client(Role.OPERATOR)
    assert operator.get(CATEGORIES).status_code == 200

    user = workspace.user(Role.OPERATOR)
    user.is_active = False
    user.save()

    refused = operator.get(CATEGORIES)
    assert (refused.status_code, refused.json()["code"]) == (401, "AUTHENTICATION_FAILED")


def test_a_password_change_revokes_tokens_whose_context_is_cached(workspace):
    owner = workspace.client(Role.OWNER)
    assert owner.get(CATEGORIES).status_code == 200

    changed = owner.post(
        "/api/auth/password/change/",
        {"old_password": PASSWORD, "new_password": "Another-Horse-43", "new_password_confirm": "Another-Horse-43"},
        format="json",
    )

    assert changed.status_code == 200, changed.content
    assert owner.get(CATEGORIES).status_code == 401
    user = workspace.user(Role.OWNER)
    user.refresh_from_db()
    assert client_for(user).get(CATEGORIES).status_code == 200  # a token of the new password


def test_a_new_service_can_be_used_by_the_next_request(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    owner = workspace.client(Role.OWNER)
    assert owner.get(CATEGORIES).status_code == 200

    shop = owner.post("/api/auth/services/", {"name": "Boutique", "service_type": "retail_general"}, format="json")

    assert shop.status_code == 201, shop.content
    assert owner.get(CATEGORIES, {"service": shop.json()["id"]}).status_code == 200
    # ...and every member sees it: the manager's cached context was renewed too.
    assert workspace.client(Role.MANAGER).get(CATEGORIES, {"service": shop.json()["id"]}).status_code == 200


def test_a_plan_change_applies_to_the_next_request(workspace):
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)
    owner = workspace.client(Role.OWNER)
    assert owner.get(ENTITLEMENTS).json()["plan_effective"] == PlanCode.ESSENTIEL

    set_plan(workspace.tenant, PlanCode.PRO)

    assert owner.get(ENTITLEMENTS).json()["plan_effective"] == PlanCode.PRO


def test_a_trial_that_ends_while_its_context_is_cached_ends(workspace):
    """The plan is computed at each request from the cached billing rows, never cached."""
    # The token first: travelling to a moment before it was issued would make it immature.
    owner = workspace.client(Role.OWNER)
    now = timezone.now()
    billing_state_update(
        tenant=workspace.tenant, reason="test", subscription_plan="", trial_ends_at=now + timedelta(seconds=20)
    )
    with time_machine.travel(now, tick=False):
        assert owner.get(ENTITLEMENTS).json()["plan_effective"] == PlanCode.BOUTIQUE
    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        assert owner.get(ENTITLEMENTS).json()["plan_effective"] == PlanCode.ESSENTIEL


def test_each_change_renews_the_generations_of_the_users_it_concerns_only(workspace, other_workspace):
    def generations(ws):
        users = [membership.user_id for membership in ws.members.values()]
        return {user: context_cache.lookup(user, None)[1] for user in users}

    before, theirs = generations(workspace), generations(other_workspace)
    with scopes_disabled():
        workspace.bar.name = "Bar à vins"
        workspace.bar.save()
    after_service = generations(workspace)
    assert all(after_service[user] != before[user] for user in before)

    operator = workspace.members[Role.OPERATOR]
    with scopes_disabled():
        operator.role = Role.MANAGER
        operator.save()
    after_membership = generations(workspace)
    assert [user for user in before if after_membership[user] != after_service[user]] == [operator.user_id]

    assert generations(other_workspace) == theirs


def test_a_context_read_before_a_change_is_never_served_after_it(workspace):
    """A request that read the generation, then the old rows, then stores them after another
    request's change: what it stored is not served."""
    user_id = workspace.user(Role.OWNER).pk
    _, generation = context_cache.lookup(user_id, None)
    client = workspace.client(Role.OWNER)
    assert client.get(CATEGORIES).status_code == 200
    stale, _ = context_cache.lookup(user_id, None)

    context_cache.forget_users([user_id])  # the other request's change
    context_cache.store(user_id, None, generation, stale)

    assert context_cache.lookup(user_id, None) == (None, context_cache.lookup(user_id, None)[1])


def test_the_other_tenant_header_gets_a_context_of_its_own(workspace, other_workspace):
    both = MembershipFactory(tenant=other_workspace.tenant, user=workspace.user(Role.MANAGER), role=Role.OPERATOR)
    here = client_for(both.user, tenant=workspace.tenant)
    there = client_for(both.user, tenant=other_workspace.tenant)

    assert here.get(MEMBERS).status_code == 200  # manager here
    assert there.get(MEMBERS).status_code == 403  # operator there
    assert here.get(MEMBERS).status_code == 200
    assert there.get(CATEGORIES, {"service": workspace.bar.pk}).status_code == 404
    assert there.get(CATEGORIES, {"service": other_workspace.bar.pk}).status_code == 200


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "stockscan.core.resilient_cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
)
def test_requests_are_served_when_the_cache_is_down(workspace, other_workspace):
    operator = workspace.client(Role.OPERATOR)

    assert operator.get(CATEGORIES, {"service": workspace.bar.pk}).status_code == 200
    assert operator.get(CATEGORIES, {"service": other_workspace.bar.pk}).status_code == 404
    # The change is in the database: the next request sees it.
    with scopes_disabled():
        ServiceFactory(tenant=workspace.tenant, name="Cave")
        membership = workspace.members[Role.OPERATOR]
        membership.delete()
    assert operator.get(CATEGORIES).status_code == 403


@override_settings(TENANT_CONTEXT_CACHE_SECONDS=0)
def test_without_the_cache_every_request_loads_its_context(workspace):
    client = workspace.client(Role.OPERATOR)
    client.get(CATEGORIES)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(CATEGORIES).status_code == 200

    assert "orgs_membership" in _sql(queries)
    assert context_cache.lookup(workspace.user(Role.OPERATOR).pk, None) == (None, None)


@pytest.mark.parametrize(
    ("warm", "expected"),
    [
        # The lookup misses: the generation is created, the loaded context stored under it.
        pytest.param(False, ["get_many", "add", "set"], id="first-request"),
        pytest.param(True, ["get_many"], id="cached"),
    ],
)
def test_a_request_asks_the_cache_for_its_context_once(workspace, settings, warm, expected):
    settings.CACHES = {"default": {"BACKEND": "tests.support.counting_cache.CountingLocMemCache"}}
    counting = caches["default"]
    counting.clear()  # its memory outlives the test, like any local-memory cache
    client = workspace.client(Role.OPERATOR)
    if warm:
        assert client.get(CATEGORIES).status_code == 200
    counting.calls.clear()

    assert client.get(CATEGORIES).status_code == 200

    assert counting.calls == expected


def test_a_cached_context_holds_no_password_hash(workspace):
    user = workspace.user(Role.OWNER)
    assert workspace.client(Role.OWNER).get(CATEGORIES).status_code == 200

    generation, context = cache.get(context_cache._context_key(user.pk, None))

    assert generation == context_cache.lookup(user.pk, None)[1]
    stored = pickle.dumps(context)
    assert user.password.encode() not in stored
    assert user.password.split("$")[-1].encode() not in stored
    assert "password" not in context.membership.user.__dict__
    assert context.password_digest == get_md5_hash_password(user.password)


def test_a_view_that_needs_the_password_reads_it_from_the_database(workspace):
    owner = workspace.client(Role.OWNER)
    assert owner.get(CATEGORIES).status_code == 200  # cached: the next request's user has no hash

    wrong = owner.post(
        "/api/auth/password/change/",
        {"old_password": "not-it", "new_password": "Another-Horse-43", "new_password_confirm": "Another-Horse-43"},
        format="json",
    )

    assert wrong.status_code == 400, wrong.content


def test_a_removed_member_whose_invalidation_is_lost_is_refused_when_the_context_expires(workspace, settings):
    """The process that removes the member cannot reach Redis (its invalidation stays in its
    own memory); the context other processes hold is served until it expires."""
    settings.TENANT_CONTEXT_CACHE_SECONDS = 1
    operator = workspace.client(Role.OPERATOR)
    assert operator.get(CATEGORIES).status_code == 200

    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "stockscan.core.resilient_cache.ResilientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            }
        }
    ):
        removed = workspace.client(Role.OWNER).delete(member_url(workspace.members[Role.OPERATOR]))
    assert removed.status_code == 204

    assert operator.get(CATEGORIES).status_code == 200  # the cached context, still valid
    time.sleep(1.1)
    refused = operator.get(CATEGORIES)
    assert (refused.status_code, refused.json()["code"]) == (403, "NO_TENANT_MEMBERSHIP")


@pytest.mark.parametrize(("configured", "effective"), [("60", "10"), ("5", "5"), ("0", "0")])
def test_the_context_cache_lifetime_is_capped_at_ten_seconds(configured, effective):
    """It bounds how long a removed or demoted member keeps access when an invalidation is lost."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
            "from django.conf import settings; print(settings.TENANT_CONTEXT_CACHE_SECONDS)",
        ],
        cwd=Path(__file__).resolve().parents[3] / "backend",
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_DEBUG": "true",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "TENANT_CONTEXT_CACHE_SECONDS": configured,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.split() == [effective], result.stderr
