"""Billing's configuration: the variables production needs once Stripe is switched on, the
webhook secrets of a rotation, and Checkout's return addresses."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from stockscan.billing.configuration import checkout_cancel_url, checkout_success_url

BACKEND_DIR = Path(__file__).resolve().parents[3] / "backend"

pytestmark = pytest.mark.django_db


def _run(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(45),
        "DJANGO_ALLOWED_HOSTS": "stockscan.example.com",
        "DATABASE_URL": "postgres://stockscan:secret@db.example.com:5432/stockscan",
        "FRONTEND_URL": "https://app.stockscan.example.com",
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=BACKEND_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_environment_names_every_stripe_variable_missing_once_the_key_is_set(workspace):
    result = _run(["manage.py", "check_environment"], STRIPE_API_KEY="sk_test_" + secrets.token_urlsafe(16))

    assert result.returncode != 0
    for name in (
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_SUCCESS_URL",
        "STRIPE_CANCEL_URL",
        "STRIPE_PRICE_BOUTIQUE_MONTHLY",
        "STRIPE_PRICE_BOUTIQUE_YEARLY",
        "STRIPE_PRICE_PRO_MONTHLY",
        "STRIPE_PRICE_PRO_YEARLY",
    ):
        assert name in result.stderr, result.stderr


def test_several_webhook_secrets_are_read_from_one_variable(workspace):
    old, new = ("whsec_" + secrets.token_urlsafe(12) for _ in range(2))
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        "from django.conf import settings; print(settings.STRIPE_WEBHOOK_SECRETS == os.environ['EXPECTED'].split('|'))"
    )

    result = _run(["-c", script], STRIPE_WEBHOOK_SECRET=f"{old}, {new}", EXPECTED=f"{old}|{new}")

    assert result.stdout.strip() == "True", result.stderr


def test_checkout_return_addresses_default_to_the_app_and_carry_the_session_id(settings, workspace):
    settings.FRONTEND_URL = "https://app.example.test"
    settings.STRIPE_SUCCESS_URL = ""
    settings.STRIPE_CANCEL_URL = ""

    assert checkout_success_url() == "https://app.example.test/billing/success?session_id={CHECKOUT_SESSION_ID}"
    assert checkout_cancel_url() == "https://app.example.test/billing/cancel"

    settings.STRIPE_SUCCESS_URL = "https://app.example.test/merci?from=stripe"
    assert checkout_success_url() == "https://app.example.test/merci?from=stripe&session_id={CHECKOUT_SESSION_ID}"
