"""The assistant under gunicorn as production runs it (backend/gunicorn.conf.py: threaded
workers; production settings; Redis): the per-member throttle is one budget across two
worker processes, and a model that takes seconds does not stop the API from answering."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from stockscan.orgs.models import Role
from tests.factories import PASSWORD
from tests.support.fake_openai import FakeOpenAI
from tests.support.gunicorn import Gunicorn

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="needs the PostgreSQL and Redis servers (the gate's services)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _database_url() -> str:
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )


def _token(server: Gunicorn, user) -> str:
    status, body, _ = server.request("POST", "/api/auth/login/", {"username": user.username, "password": PASSWORD})
    assert status == 200, body
    return body["access"]


def test_the_throttle_is_one_budget_across_two_workers(workspace):
    server = Gunicorn(
        database_url=_database_url(), redis_url=settings.REDIS_URL, workers=2, AI_THROTTLE_RATE="4/hour"
    ).wait_ready()
    try:
        token = _token(server, workspace.user(Role.OWNER))
        # Sent together, so that both processes take some of them.
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda _: server.request("POST", "/api/ai/assistant/", {}, token)[0], range(12)))
        assert sorted(statuses) == [200] * 4 + [429] * 8
        manager_token = _token(server, workspace.user(Role.MANAGER))
        assert server.request("POST", "/api/ai/assistant/", {}, manager_token)[0] == 200
    finally:
        server.stop()


def test_questions_waiting_on_a_slow_model_do_not_stall_the_api(workspace):
    fake = FakeOpenAI().start()
    fake.latency = 3.0
    server = Gunicorn(
        database_url=_database_url(),
        redis_url=settings.REDIS_URL,
        workers=1,
        AI_ENABLED="true",
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=fake.base_url,
        AI_TIMEOUT_SECONDS="10",
        AI_THROTTLE_RATE="100/min",
    ).wait_ready()
    try:
        token = _token(server, workspace.user(Role.OWNER))
        with ThreadPoolExecutor(max_workers=4) as pool:
            waiting = [pool.submit(server.request, "POST", "/api/ai/assistant/", {}, token) for _ in range(3)]
            time.sleep(0.5)
            started = time.monotonic()
            status, _, _ = server.request("GET", "/api/categories/", None, token)
            meanwhile = time.monotonic() - started
            answers = [future.result() for future in waiting]
        assert status == 200
        assert meanwhile < 1.5, f"a page took {meanwhile:.2f} s while 3 questions waited on the model"
        assert [(s, body["mode"]) for s, body, _ in answers] == [(200, "ai")] * 3
    finally:
        server.stop()
        fake.stop()
