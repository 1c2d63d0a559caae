"""Both webhooks (Stripe's, SendGrid's) refuse a request they cannot verify with one and the
same answer, whatever the provider and whatever is wrong with the signature."""

import json
import time

import pytest
from rest_framework.test import APIClient

from tests.backend.core.responses import assert_error
from tests.support.sendgrid import EventSigner, sendgrid_event

pytestmark = pytest.mark.django_db

STRIPE_URL = "/api/auth/billing/webhook/"
SENDGRID_URL = "/api/webhooks/sendgrid/"


@pytest.fixture
def both_configured(settings, sendgrid_signer, workspace, other_workspace):
    settings.STRIPE_WEBHOOK_SECRETS = ["whsec_test_one_answer"]


def _post(url: str, body: bytes, **headers):
    return APIClient().generic("POST", url, body, content_type="application/json", **headers)


def test_an_unsigned_request_gets_the_same_answer_from_both_webhooks(both_configured):
    stripe = _post(STRIPE_URL, json.dumps({"id": "evt_1", "type": "invoice.paid"}).encode())
    sendgrid = _post(SENDGRID_URL, json.dumps([sendgrid_event("bounce", "abc")]).encode())

    assert assert_error(stripe, 400, "WEBHOOK_SIGNATURE_INVALID") == assert_error(
        sendgrid, 400, "WEBHOOK_SIGNATURE_INVALID"
    )


def test_a_forged_signature_gets_the_same_answer_from_both_webhooks(both_configured):
    body = json.dumps([sendgrid_event("bounce", "abc")]).encode()
    now = str(int(time.time()))
    stripe = _post(STRIPE_URL, body, HTTP_STRIPE_SIGNATURE=f"t={now},v1={'0' * 64}")
    sendgrid = _post(SENDGRID_URL, body, **EventSigner().headers(body))

    assert assert_error(stripe, 400, "WEBHOOK_SIGNATURE_INVALID") == assert_error(
        sendgrid, 400, "WEBHOOK_SIGNATURE_INVALID"
    )
