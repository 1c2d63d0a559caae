"""An answer the API chose on purpose (billing not configured: 503) is logged once as a
warning with its code; a real bug is still logged as an ERROR by Django."""

import logging

from stockscan.orgs.models import Role


def test_an_expected_503_is_a_warning_not_an_error(workspace, settings, caplog):
    settings.STRIPE_API_KEY = ""

    with caplog.at_level(logging.INFO):
        response = workspace.client(Role.OWNER).post(
            "/api/auth/billing/checkout/", {"plan": "PRO", "cycle": "MONTHLY"}, format="json"
        )

    assert (response.status_code, response.json()["code"]) == (503, "BILLING_NOT_CONFIGURED")
    assert [r.levelname for r in caplog.records if r.name == "django.request"] == []
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records if r.name == "stockscan.errors"] == [
        ("stockscan.errors", "WARNING", "Answered 503 BILLING_NOT_CONFIGURED")
    ]
