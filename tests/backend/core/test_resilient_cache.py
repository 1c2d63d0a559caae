"""The cache keeps serving when Redis falters (stockscan.core.resilient_cache): a refused or
hung Redis costs one short timeout, then throttles and caches use the process's memory, the
fallback is logged once a minute, and /health says the cache is degraded but answers 200.

Redis is replaced at the network: the cache points at a port where nothing listens or at a
server that accepts connections and never answers."""

import logging
import time

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from stockscan.core.resilient_cache import ResilientRedisCache
from tests.backend.core.responses import assert_json
from tests.factories import PASSWORD
from tests.support.outages import SilentServer, closed_port

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
SOCKET_TIMEOUT = 0.2


def _redis_cache(location: str, retry_seconds: float = 5) -> dict:
    return {
        "default": {
            "BACKEND": "stockscan.core.resilient_cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": SOCKET_TIMEOUT,
                "RETRY_SECONDS": retry_seconds,
            },
        }
    }


@pytest.fixture
def refused_redis(settings):
    # A port of its own per test: the fallback's state is kept per Redis address.
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{closed_port()}/0")


@pytest.fixture
def hung_redis(settings):
    server = SilentServer().start()
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{server.port}/0")
    yield server
    server.stop()


def _login(username: str):
    return APIClient().post(LOGIN, {"username": username, "password": PASSWORD}, format="json")


class ThreePerMinute(SimpleRateThrottle):
    """Any DRF throttle: they all count through Django's cache."""

    rate = "3/min"

    def get_cache_key(self, request, view):
        return f"throttle_test_{self.get_ident(request)}"


def _allowed(address: str) -> bool:
    request = Request(APIRequestFactory().post("/", REMOTE_ADDR=address))
    return ThreePerMinute().allow_request(request, view=None)


@pytest.mark.usefixtures("refused_redis")
def test_throttles_count_in_the_process_memory_when_redis_refuses():
    answers = [_allowed("203.0.113.7") for _ in range(4)]

    assert answers == [True, True, True, False]
    assert _allowed("203.0.113.8")


@pytest.mark.usefixtures("refused_redis")
def test_login_answers_when_redis_refuses(workspace):
    username = workspace.user("owner").username

    answers = [_login(username) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200], answers[0].content


@pytest.mark.usefixtures("refused_redis")
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/register/", {"username": "x"}),
        ("/api/auth/password-reset/", {"email": "nobody@example.test"}),
        ("/api/auth/invitations/accept/", {"token": "unknown"}),
    ],
)
def test_public_throttled_routes_answer_without_redis(path, body):
    response = APIClient().post(path, body, format="json")

    assert_json(response)


def test_a_hung_redis_costs_one_timeout_then_the_process_memory(workspace, hung_redis):
    username = workspace.user("owner").username

    started = time.monotonic()
    first = _login(username)
    first_seconds = time.monotonic() - started
    started = time.monotonic()
    second = _login(username)
    second_seconds = time.monotonic() - started

    assert (first.status_code, second.status_code) == (200, 200), first.content
    # One timeout at most for the first (connect + one command), none for the second.
    assert first_seconds < 2 * SOCKET_TIMEOUT + 0.5, first_seconds
    assert second_seconds < 0.5, second_seconds
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Bearer {first.json()['access']}")
    started = time.monotonic()
    assert owner.get("/api/categories/").status_code == 200
    assert time.monotonic() - started < 0.5


def test_the_fallback_is_logged_once_a_minute(caplog, settings):
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{closed_port()}/0", retry_seconds=0.01)

    with caplog.at_level(logging.WARNING, logger="stockscan.cache"):
        cache.set("a", 1)
        time.sleep(0.02)  # the retry is due: Redis is tried, and fails, again
        cache.set("b", 2)

    assert [record.getMessage()[:17] for record in caplog.records] == ["Redis unreachable"]
    assert (cache.get("a"), cache.get("b")) == (1, 2)


@pytest.mark.parametrize("outage", ["refused_redis", "hung_redis"])
def test_health_reports_the_cache_degraded_and_stays_in_rotation(request, outage, workspace):
    request.getfixturevalue(outage)

    started = time.monotonic()
    response = APIClient().get("/health")

    assert time.monotonic() - started < 2 * SOCKET_TIMEOUT + 0.5
    assert response.status_code == 200
    assert assert_json(response)["checks"] == {"database": "ok", "cache": "degraded"}


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs the Redis server (REDIS_URL)")
def test_health_reports_a_reachable_redis_ok(workspace):
    assert isinstance(caches["default"], ResilientRedisCache)
    assert APIClient().get("/health").json()["checks"] == {"database": "ok", "cache": "ok"}
