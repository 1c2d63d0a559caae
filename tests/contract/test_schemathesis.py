"""The API against its own OpenAPI schema (schemathesis 4, in process through the WSGI app):
every operation is called with generated requests, valid and invalid, as the owner of a
business, and every answer is checked with all of schemathesis's checks (statuses, bodies,
headers, content types, server errors, valid data accepted, invalid data refused).

Run by scripts/validate.sh as its own bounded step: 10 examples per operation, derandomized
(the same cases on every run). Stripe and SendGrid are configured, so their operations run
their real paths rather than a "not configured" 503: the `stripe` SDK talks to the local fake
Stripe (tests/support/fake_stripe.py) with an API key, the prices of every plan and a webhook
secret, the business is a Stripe customer (so the portal opens), and SendGrid's event webhook
has a verification key. The webhooks' generated bodies are signed by the `before_call` hook
below, as Stripe and SendGrid sign them, whenever the generated signature headers are sent:
the server's checks of the event itself are then what a valid or invalid body meets, and an
unsigned request (a header left out) is refused with 400 WEBHOOK_SIGNATURE_INVALID.

Each check left out of an operation is listed in EXCLUSIONS with the reason: what the schema
cannot say (a secret token, a current password, a rule across two fields) or a leniency the
server keeps on purpose."""

import secrets

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from werkzeug.test import EnvironBuilder

from config.wsgi import application
from stockscan.entitlements.services import billing_state_update
from stockscan.mail.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER
from stockscan.orgs.models import Role
from tests.support.fake_stripe import FakeStripe
from tests.support.sendgrid import EventSigner
from tests.support.stripe_signing import signature_header, webhook_secret

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

# Made at run time, never literals: the webhook secret Stripe would give, SendGrid's key pair.
STRIPE_WEBHOOK_SECRET = webhook_secret()
SENDGRID_SIGNER = EventSigner()
STRIPE_WEBHOOK = "POST /api/auth/billing/webhook/"
SENDGRID_WEBHOOK = "POST /api/webhooks/sendgrid/"
SECRET = "valid only with a secret the schema cannot know (a link's token, the current password)"
LENIENT_QUERY = (
    "an invalid page_size falls back to the default page size (DRF's pagination) and an empty optional filter "
    "(month=, kind=) means not given: the server is lenient on purpose"
)

# "METHOD path": (checks left out, why).
EXCLUSIONS: dict[str, tuple[list, str]] = {
    "GET /api/activity/": (
        [positive_data_acceptance],
        "kind is one of the activity kinds the apps register at start-up (core.activity); the schema says text",
    ),
    "POST /api/auth/email/confirm/": ([positive_data_acceptance], SECRET),
    "POST /api/auth/refresh/": ([positive_data_acceptance], SECRET + " (a refresh token)"),
    "POST /api/auth/logout/": ([positive_data_acceptance], SECRET + " (a refresh token)"),
    "POST /api/auth/password-reset/confirm/": ([positive_data_acceptance], SECRET),
    "PATCH /api/auth/me/": ([positive_data_acceptance], SECRET),
    "POST /api/auth/password/change/": ([positive_data_acceptance], SECRET + "; and the confirmation must match"),
    "GET /api/auth/invitations/accept/": (
        [positive_data_acceptance, negative_data_rejection],
        SECRET + "; any token, well-formed or not, answers 410 INVITATION_INVALID alike (its fate is never told)",
    ),
    "POST /api/auth/invitations/accept/": (
        [positive_data_acceptance, negative_data_rejection],
        SECRET + "; any token, well-formed or not, answers 410 INVITATION_INVALID alike (its fate is never told)",
    ),
    "POST /api/auth/invitations/decline/": (
        [positive_data_acceptance, negative_data_rejection],
        SECRET + "; any token, well-formed or not, answers 410 INVITATION_INVALID alike (its fate is never told)",
    ),
    "POST /api/auth/register/": ([positive_data_acceptance], "password_confirm must equal password (two fields)"),
    "POST /api/auth/services/": (
        [positive_data_acceptance],
        "the feature keys are those of the service type's presets (checked by the server, not in the schema)",
    ),
    "PATCH /api/auth/tenant/": ([positive_data_acceptance], "timezone is an IANA name (checked, not enumerated)"),
    "POST /api/areas/": (
        [positive_data_acceptance],
        "names refuse control and invisible characters (core.fields), which JSON Schema cannot say; the service "
        "must exist in the tenant",
    ),
    "POST /api/categories/": (
        [positive_data_acceptance],
        "names refuse control and invisible characters (core.fields), which JSON Schema cannot say",
    ),
    "POST /api/products/": (
        [positive_data_acceptance],
        "names refuse control and invisible characters (core.fields); barcode and SKU unique per service",
    ),
    "GET /api/count-lines/": (
        [positive_data_acceptance],
        "one of count or month is required (OpenAPI 3.0 cannot say one-of for parameters: described instead)",
    ),
    "POST /api/counts/": ([positive_data_acceptance], "the service must exist in the tenant (any id is schema-valid)"),
    "GET /api/exports/": ([positive_data_acceptance], "from must not come after to (two parameters)"),
    "POST /api/exports/": (
        [positive_data_acceptance],
        "email names members of the business or its confirmed recipients (checked by the server, comma-separated "
        "addresses in one string); from must not come after to",
    ),
    "POST /api/exports/recipients/": (
        [positive_data_acceptance],
        "names refuse control and invisible characters (core.fields); at most 3 recipients, one per address",
    ),
    "POST /api/exports/recipients/confirm/": (
        [positive_data_acceptance, negative_data_rejection],
        SECRET + "; any token, well-formed or not, answers 410 RECIPIENT_LINK_INVALID alike (its fate is never told)",
    ),
    "GET /api/inventory-stats/": ([positive_data_acceptance], 'service is an id or "all", not any text'),
    "GET /api/products/lookup/": ([positive_data_acceptance], "the barcode must not be blank"),
    "POST /api/ai/assistant/": (
        [positive_data_acceptance],
        'service is an id of the tenant or "all", not any text; the question refuses control and invisible '
        "characters but newlines (core.fields), which JSON Schema cannot say",
    ),
    "POST /api/customers/": (
        [positive_data_acceptance],
        "the phone must be a real number of its region (phonenumbers), names refuse invisible characters",
    ),
    "PUT /api/customers/{id}/": ([positive_data_acceptance], "the phone must be a real number of its region"),
    "PATCH /api/customers/{id}/": ([positive_data_acceptance], "the phone must be a real number of its region"),
    "POST /api/credits/": (
        [positive_data_acceptance],
        "rules across fields and the ledger: amount > 0 with no more decimals than the currency, equal to the "
        "lines' total; not dated in the future; due on or after its date",
    ),
    "POST /api/payments/": (
        [positive_data_acceptance],
        "rules of the ledger: amount > 0 with no more decimals than the currency, not more than the balance",
    ),
    "GET /api/customers/statement/": (
        [positive_data_acceptance, negative_data_rejection],
        SECRET + "; any token, well-formed or not, answers 404 STATEMENT_LINK_INVALID alike (its fate is never told)",
    ),
    "POST /api/customers/access/": (
        [positive_data_acceptance, negative_data_rejection],
        "an access code is a secret; any code, well-formed or not, answers 404 ACCESS_CODE_INVALID alike",
    ),
}
LIST_QUERY_OPERATIONS = {
    "GET /api/activity/",
    "GET /api/ai/conversations/",
    "GET /api/alerts/",
    "GET /api/auth/memberships/",
    "GET /api/auth/services/",
    "GET /api/areas/",
    "GET /api/categories/",
    "GET /api/count-lines/",
    "GET /api/counts/",
    "GET /api/exports/recipients/",
    "GET /api/losses/",
    "GET /api/products/",
    "GET /api/customers/",
    "GET /api/credits/",
    "GET /api/payments/",
    "GET /api/entries/",
}


def excluded_checks(label: str) -> list:
    checks, _reason = EXCLUSIONS.get(label, ([], ""))
    if label in LIST_QUERY_OPERATIONS:
        checks = [*checks, negative_data_rejection]  # LENIENT_QUERY
    return checks


@pytest.fixture
def _connection_kept():
    """As Django's test client does: the request must not close the test's connection (its
    transaction is rolled back at the end of the test)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def fake_stripe():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def _stripe_and_sendgrid_configured(settings, fake_stripe, workspace):
    """Billing and SendGrid's event webhook switched on, Stripe being the local fake; the
    business already has its Stripe customer, as after a first checkout."""
    settings.STRIPE_API_KEY = "sk_test_" + secrets.token_urlsafe(24)
    settings.STRIPE_API_BASE = fake_stripe.url
    settings.STRIPE_WEBHOOK_SECRETS = [STRIPE_WEBHOOK_SECRET]
    settings.STRIPE_PORTAL_DISABLED = False
    for plan, amount in (("BOUTIQUE", 1900), ("PRO", 4900)):
        for cycle, interval, times in (("MONTHLY", "month", 1), ("YEARLY", "year", 10)):
            price = f"price_{plan.lower()}_{cycle.lower()}"
            fake_stripe.put_price(price, unit_amount=amount * times, interval=interval)
            setattr(settings, f"STRIPE_PRICE_{plan}_{cycle}", price)
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = SENDGRID_SIGNER.public_key
    customer_id = fake_stripe.add_customer(metadata={"tenant_id": str(workspace.tenant.pk)})
    billing_state_update(tenant=workspace.tenant, reason="test", stripe_customer_id=customer_id)


@pytest.fixture
def owner_token(workspace) -> str:
    return str(RefreshToken.for_user(workspace.user(Role.OWNER)).access_token)


def _sent_body(case) -> bytes:
    """The exact bytes the WSGI transport will send for the case's body (what a signature
    covers): a JSON body is serialized by werkzeug's test client, as `client.open(json=…)` does."""
    sent = case.as_transport_kwargs()
    if "json" in sent:
        return EnvironBuilder.json_dumps(sent["json"]).encode()
    data = sent.get("data", b"")
    return data.encode() if isinstance(data, str) else bytes(data or b"")


@schemathesis.hook
def before_call(context, case, kwargs):
    """Signs a webhook's generated body as its sender would (Stripe: HMAC over `t.body`;
    SendGrid: ECDSA over timestamp + body) when the generated request carries the signature
    headers and they were not generated to be invalid: a request left without them stays
    unsigned, and must be refused as such (400 WEBHOOK_SIGNATURE_INVALID)."""
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if label not in (STRIPE_WEBHOOK, SENDGRID_WEBHOOK) or case.meta is None:
        return
    if case.meta.is_negative_at(ParameterLocation.HEADER):
        return
    headers = case.headers if case.headers is not None else {}
    if label == STRIPE_WEBHOOK and "Stripe-Signature" in headers:
        headers["Stripe-Signature"] = signature_header(_sent_body(case), STRIPE_WEBHOOK_SECRET)
    elif label == SENDGRID_WEBHOOK and {SIGNATURE_HEADER, TIMESTAMP_HEADER} <= set(headers):
        signed = SENDGRID_SIGNER.headers(_sent_body(case))
        headers[SIGNATURE_HEADER] = signed["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE"]
        headers[TIMESTAMP_HEADER] = signed["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP"]


@pytest.mark.django_db
@pytest.mark.usefixtures("_connection_kept", "_stripe_and_sendgrid_configured")
@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_schema_says(case, owner_token):
    label = f"{case.operation.method.upper()} {case.operation.path}"
    case.call_and_validate(headers={"Authorization": f"Bearer {owner_token}"}, excluded_checks=excluded_checks(label))


def test_every_exclusion_names_an_operation_of_the_schema():
    operations = {f"{op.method.upper()} {op.path}" for op in (r.ok() for r in schema.get_all_operations())}
    assert set(EXCLUSIONS) <= operations, set(EXCLUSIONS) - operations
    assert operations >= LIST_QUERY_OPERATIONS, LIST_QUERY_OPERATIONS - operations
    assert LENIENT_QUERY
