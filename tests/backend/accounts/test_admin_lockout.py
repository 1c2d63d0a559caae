"""The Django admin's login is locked after repeated failures (django-axes, keyed on the username
and the client address, logged), at a configurable path; the API login is left alone by it."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

BACKEND_DIR = Path(__file__).resolve().parents[3] / "backend"
API_LOGIN_URL = "/api/auth/login/"
ATTACKER = "198.51.100.66"


@pytest.fixture
def superuser(db):
    return UserFactory(username="Patronne", email="patronne@stockscan.test", is_staff=True, is_superuser=True)


def admin_login(client, username, password, address):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def test_repeated_admin_login_failures_lock_that_username_from_that_address(client, superuser, caplog):
    """Today: 60 wrong passwords for a superuser, never a 429."""
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert admin_login(client, "Patronne", f"guess-{attempt}", ATTACKER).status_code == 200, attempt

    with caplog.at_level(logging.WARNING, logger="stockscan.accounts"):
        locked = admin_login(client, "patronne", "guess-last", ATTACKER)

    assert locked.status_code == 429
    # Even the right password, from that address, for that username.
    assert admin_login(client, "Patronne", PASSWORD, ATTACKER).status_code == 429
    logged = [
        r.getMessage() for r in caplog.records if r.name == "stockscan.accounts" and "locked out" in r.getMessage()
    ]
    assert logged
    assert ATTACKER in logged[0]
    assert "patronne" not in " ".join(logged).lower()
    # The same username from another address, the owner's, still logs in.
    assert admin_login(client, "Patronne", PASSWORD, "192.0.2.44").status_code == 302


def test_the_api_login_neither_feeds_nor_hits_an_admin_lockout(api_client, client, superuser):
    for attempt in range(settings.AXES_FAILURE_LIMIT + 2):
        failed = api_client.post(
            API_LOGIN_URL, {"username": "Patronne", "password": f"guess-{attempt}"}, format="json", REMOTE_ADDR=ATTACKER
        )
        assert failed.status_code == 401, attempt
    assert admin_login(client, "Patronne", PASSWORD, ATTACKER).status_code == 302

    for attempt in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, "Patronne", f"guess-{attempt}", ATTACKER)
    assert admin_login(client, "Patronne", PASSWORD, ATTACKER).status_code == 429
    api = api_client.post(API_LOGIN_URL, {"username": "Patronne", "password": PASSWORD}, format="json")
    assert api.status_code == 200


@pytest.mark.parametrize(("value", "path"), [("", "/admin/"), ("/back-office-7f3k", "/back-office-7f3k/")])
def test_the_admin_path_comes_from_django_admin_url(value, path):
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        "from django.urls import reverse; print(reverse('admin:index'))"
    )
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_DEBUG": "true", "DJANGO_ADMIN_URL": value}

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == path
