"""The API against its own OpenAPI schema (schemathesis 4, in process through the WSGI app):
every operation is called with generated requests, valid and invalid, as the owner of a
business, and every answer is checked with all of schemathesis's checks (statuses, bodies,
headers, content types, server errors, valid data accepted, invalid data refused).

Run by scripts/validate.sh as its own bounded step: 10 examples per operation, derandomized
(the same cases on every run). No Stripe or SendGrid key is configured in the gate, so those
operations answer their documented 503; their real paths are tested in tests/backend/billing
and tests/backend/mail against fake HTTP transports. Each check left out of an operation is
listed in EXCLUSIONS with the reason: what the schema cannot say (a secret token, a current
password, a rule across two fields) or a leniency the server keeps on purpose."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import missing_required_header, negative_data_rejection, positive_data_acceptance

from config.wsgi import application
from stockscan.orgs.models import Role

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

NOT_CONFIGURED = (
    "no Stripe/SendGrid key in the gate: the documented 503 (BILLING_NOT_CONFIGURED, WEBHOOK_NOT_CONFIGURED) is "
    "the answer, before any signature is read; the configured paths are tested against fake HTTP transports"
)
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
    "POST /api/auth/billing/checkout/": ([not_a_server_error], NOT_CONFIGURED),
    "POST /api/auth/billing/portal/": ([not_a_server_error], NOT_CONFIGURED),
    "POST /api/auth/billing/webhook/": ([not_a_server_error, missing_required_header], NOT_CONFIGURED),
    "POST /api/webhooks/sendgrid/": ([not_a_server_error, missing_required_header], NOT_CONFIGURED),
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
    "GET /api/inventory-stats/": ([positive_data_acceptance], 'service is an id or "all", not any text'),
    "GET /api/products/lookup/": ([positive_data_acceptance], "the barcode must not be blank"),
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
    "GET /api/alerts/",
    "GET /api/auth/memberships/",
    "GET /api/auth/services/",
    "GET /api/categories/",
    "GET /api/count-lines/",
    "GET /api/counts/",
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


@pytest.fixture
def owner_token(workspace) -> str:
    return str(RefreshToken.for_user(workspace.user(Role.OWNER)).access_token)


@pytest.mark.django_db
@pytest.mark.usefixtures("_connection_kept")
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
