"""The API keeps serving when Redis or PostgreSQL falter: gunicorn with the production
settings (one worker: the fallback is per process, and one process keeps the timings
readable on a shared machine), its Redis and PostgreSQL reached through relays that the tests make hang (accept
and never answer) or refuse connections, then restore.

With Redis hung or refused, every route answers as usual, within a second of its usual time
(throttles count in each process's memory), and /health says the cache is degraded with a
200; with PostgreSQL refused, routes answer 503 DATABASE_UNAVAILABLE; both recover by
themselves. Runs where the gate runs on PostgreSQL and Redis (VALIDATE_REQUIRE_SERVICES=1)."""

import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from stockscan.orgs.models import Role
from tests.factories import PASSWORD
from tests.support.gunicorn import Gunicorn
from tests.support.outages import Relay

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="needs the PostgreSQL and Redis servers (the gate's services)",
)
# The server reads what the test writes: it must be committed.
committed_rows = pytest.mark.django_db(transaction=True)

# Redis is tried again this long after a failure (production: 5 s), so recovery is seen soon.
RETRY_SECONDS = 1
# What a route may take beyond its usual time while Redis falters.
SLACK_SECONDS = 1.0


@pytest.fixture(scope="module")
def relays(django_db_setup):
    database = connection.settings_dict
    redis = urlsplit(settings.REDIS_URL)
    postgres_relay = Relay(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)).restore()
    redis_relay = Relay(redis.hostname, redis.port or 6379).restore()
    yield postgres_relay, redis_relay
    postgres_relay.cut()
    redis_relay.cut()


@pytest.fixture(scope="module")
def server(relays):
    postgres_relay, redis_relay = relays
    database = connection.settings_dict
    redis_db = urlsplit(settings.REDIS_URL).path or "/0"
    gunicorn = Gunicorn(
        database_url=f"postgres://{database['USER']}@127.0.0.1:{postgres_relay.port}/{database['NAME']}",
        redis_url=f"redis://127.0.0.1:{redis_relay.port}{redis_db}",
        REDIS_RETRY_SECONDS=str(RETRY_SECONDS),
    ).wait_ready()
    yield gunicorn
    gunicorn.stop()


@pytest.fixture
def redis_relay(relays):
    yield relays[1]
    relays[1].restore()


@pytest.fixture
def postgres_relay(relays):
    yield relays[0]
    relays[0].restore()


def _settled(routes) -> dict:
    """The usual answers, once the worker has loaded what it keeps and the connections an
    earlier outage left in its Redis pool are gone: the relay never revives a connection it
    hung (a real Redis would answer it again), so each one times out once when next used."""
    for _ in range(10):
        answers = routes.measure()
        if answers["health"][1]["checks"]["cache"] == "ok":
            return answers
        time.sleep(RETRY_SECONDS)
    return answers


class Routes:
    """The routes the issue measured, for one workspace's owner."""

    def __init__(self, server: Gunicorn, workspace):
        self.server = server
        self.workspace = workspace
        self.username = workspace.user(Role.OWNER).username
        self.token = None
        self.manager_role = Role.MANAGER

    def login(self):
        status, body, seconds = self.server.request(
            "POST", "/api/auth/login/", {"username": self.username, "password": PASSWORD}
        )
        if status == 200:
            self.token = body["access"]
        return status, body, seconds

    def list(self):
        return self.server.request("GET", f"/api/categories/?service={self.workspace.kitchen.pk}", token=self.token)

    def member_change(self):
        self.manager_role = Role.OPERATOR if self.manager_role == Role.MANAGER else Role.MANAGER
        membership = self.workspace.members[Role.MANAGER]
        return self.server.request(
            "PATCH", f"/api/auth/memberships/{membership.pk}/", {"role": self.manager_role}, token=self.token
        )

    def health(self):
        return self.server.request("GET", "/health")

    def measure(self) -> dict[str, tuple[int, dict | None, float]]:
        return {
            "login": self.login(),
            "list": self.list(),
            "member change": self.member_change(),
            "health": self.health(),
        }


def _assert_as_usual(usual: dict, now: dict, outage: str) -> None:
    for route, (status, body, seconds) in now.items():
        usual_status, _, usual_seconds = usual[route]
        assert status == usual_status, f"{outage}: {route} answered {status} {body}"
        assert seconds <= usual_seconds + SLACK_SECONDS, (
            f"{outage}: {route} took {seconds:.2f} s (usually {usual_seconds:.2f} s)"
        )


@committed_rows
@pytest.mark.parametrize("outage", ["hung", "refused"])
def test_with_redis_hung_or_refused_every_route_answers_in_about_its_usual_time(server, redis_relay, workspace, outage):
    routes = Routes(server, workspace)
    usual = _settled(routes)
    assert {route: answer[0] for route, answer in usual.items()} == {
        "login": 200,
        "list": 200,
        "member change": 200,
        "health": 200,
    }, usual
    assert usual["health"][1]["checks"] == {"database": "ok", "cache": "ok"}

    redis_relay.hang() if outage == "hung" else redis_relay.cut()
    during = routes.measure()

    _assert_as_usual(usual, during, f"Redis {outage}")
    assert during["health"][1]["checks"] == {"database": "ok", "cache": "degraded"}


def test_with_redis_refused_the_throttled_public_routes_answer(server, redis_relay):
    redis_relay.cut()

    answers = {
        "register": server.request("POST", "/api/auth/register/", {"username": "new"}),
        "password reset": server.request("POST", "/api/auth/password-reset/", {"email": "nobody@example.test"}),
        "invitation accept": server.request("POST", "/api/auth/invitations/accept/", {"token": "unknown"}),
    }

    for route, (status, body, seconds) in answers.items():
        assert status < 500, f"{route}: {status} {body}"
        assert (body is not None and "code" in body) or status < 300, f"{route}: {status} {body}"
        assert seconds < SLACK_SECONDS, f"{route} took {seconds:.2f} s"


def test_health_says_the_cache_is_back_when_redis_returns(server, redis_relay):
    redis_relay.cut()
    assert server.request("GET", "/health")[1]["checks"]["cache"] == "degraded"

    redis_relay.restore()

    time.sleep(RETRY_SECONDS)
    assert server.request("GET", "/health")[1]["checks"]["cache"] == "ok"


@committed_rows
def test_with_postgresql_refused_routes_answer_503_and_recover(server, postgres_relay, workspace):
    routes = Routes(server, workspace)
    assert routes.login()[0] == 200

    postgres_relay.cut()
    down = {"login": routes.login(), "list": routes.list(), "member change": routes.member_change()}
    health = routes.health()
    postgres_relay.restore()

    for route, (status, body, _seconds) in down.items():
        assert (status, body and body["code"]) == (503, "DATABASE_UNAVAILABLE"), f"{route}: {status} {body}"
        assert body["detail"]
    assert (health[0], health[1]["checks"]["database"]) == (503, "error")
    assert routes.list()[0] == 200
    assert routes.health()[0] == 200
