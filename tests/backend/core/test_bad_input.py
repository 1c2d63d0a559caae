"""Whatever a client sends, the API answers with its JSON error format and never a 500.

Tenant A is `workspace`; `other_workspace` (tenant B) provides ids that exist but belong to
someone else, which must read exactly like ids that do not exist.
"""

import pytest
from django.test import override_settings
from django_scopes import scopes_disabled
from rest_framework.response import Response
from rest_framework.test import APIClient

from config.urls import urlpatterns as project_urlpatterns
from stockscan.core.routing import route
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role, Service
from stockscan.orgs.tenancy.permissions import Perm
from stockscan.orgs.tenancy.views import TenantAPIView
from tests.backend.core.responses import assert_error, assert_json, send
from tests.plans import set_plan

HUGE_ID = "9" * 30
BEYOND_BIGINT = str(2**63)


@pytest.fixture(autouse=True)
def _plan_with_room(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)


def _membership_url(ws):
    return f"/api/auth/memberships/{ws.members[Role.OPERATOR].pk}/"


# Every route that reads a JSON body: (method, url, who calls it).
BODY_ENDPOINTS = [
    pytest.param("POST", lambda ws: "/api/auth/services/", Role.OWNER, id="services-create"),
    pytest.param("PATCH", lambda ws: f"/api/auth/services/{ws.kitchen.pk}/", Role.OWNER, id="services-patch"),
    pytest.param("PUT", lambda ws: f"/api/auth/services/{ws.kitchen.pk}/", Role.OWNER, id="services-put"),
    pytest.param("PATCH", lambda ws: "/api/auth/me/", Role.OWNER, id="me-patch"),
    pytest.param("POST", lambda ws: "/api/auth/password/change/", Role.OWNER, id="password-change"),
    pytest.param("POST", lambda ws: "/api/auth/register/", None, id="register"),
    pytest.param("POST", lambda ws: "/api/auth/login/", None, id="login"),
    pytest.param("POST", lambda ws: "/api/auth/refresh/", None, id="refresh"),
    pytest.param("POST", lambda ws: "/api/auth/logout/", None, id="logout"),
    pytest.param("POST", lambda ws: "/api/auth/password-reset/", None, id="password-reset"),
    pytest.param("POST", lambda ws: "/api/auth/password-reset/confirm/", None, id="password-reset-confirm"),
    pytest.param("POST", lambda ws: "/api/auth/billing/checkout/", Role.OWNER, id="billing-checkout"),
    pytest.param("POST", lambda ws: "/api/auth/memberships/", Role.OWNER, id="invite"),
    pytest.param("PATCH", _membership_url, Role.OWNER, id="membership-patch"),
    pytest.param("POST", lambda ws: "/api/auth/invitations/accept/", None, id="invitation-accept"),
    pytest.param("POST", lambda ws: "/api/auth/invitations/decline/", None, id="invitation-decline"),
]


def _client(workspace, role) -> APIClient:
    return workspace.client(role) if role else APIClient()


def _raw(client: APIClient, method: str, url: str, body: str, **extra):
    return client.generic(method, url, body, content_type="application/json", **extra)


@pytest.mark.parametrize(("method", "url", "role"), BODY_ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    ["{bad", '{"name": "Cave",}', "{'name': 'Cave'}", '{"name": "Ca', "\ufeff{}"],
    ids=["not-json", "trailing-comma", "single-quotes", "truncated", "byte-order-mark"],
)
def test_malformed_json_is_refused(workspace, other_workspace, method, url, role, body):
    response = _raw(_client(workspace, role), method, url(workspace), body)

    assert_error(response, 400, "MALFORMED_JSON")


@pytest.mark.parametrize(("method", "url", "role"), BODY_ENDPOINTS)
@pytest.mark.parametrize("body", ["[1, 2]", "[]", '"Cave"', "42", "null", "true"], ids=lambda body: f"json-{body}")
def test_json_that_is_not_an_object_is_refused(workspace, other_workspace, method, url, role, body):
    response = _raw(_client(workspace, role), method, url(workspace), body)

    assert_error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("method", "url", "role", "body", "bad_fields"),
    [
        pytest.param(
            "POST",
            lambda ws: "/api/auth/services/",
            Role.OWNER,
            {"name": ["Cave"], "service_type": 7, "features": "all"},
            {"name", "service_type", "features"},
            id="services-create",
        ),
        pytest.param(
            "PATCH",
            lambda ws: f"/api/auth/services/{ws.kitchen.pk}/",
            Role.OWNER,
            {"name": {"fr": "Cave"}, "counting_mode": 3, "features": {"barcode": "maybe"}},
            {"name", "counting_mode", "features"},
            id="services-patch",
        ),
        pytest.param(
            "PATCH",
            lambda ws: "/api/auth/me/",
            Role.OWNER,
            {"email": "not-an-address", "language": "de", "first_name": ["Jean"]},
            {"email", "language", "first_name"},
            id="me-patch",
        ),
        pytest.param(
            "POST",
            lambda ws: "/api/auth/login/",
            None,
            {"username": ["chef"], "password": {"value": "secret"}},
            {"username", "password"},
            id="login",
        ),
        pytest.param(
            "POST",
            lambda ws: "/api/auth/register/",
            None,
            {
                "username": ["chef"],
                "email": "nope",
                "password": ["x"],
                "password_confirm": "x",
                "tenant_name": {"name": "Chez moi"},
                "extra_services": "bar",
            },
            {"username", "email", "password", "tenant_name", "extra_services"},
            id="register",
        ),
        pytest.param(
            "POST",
            lambda ws: "/api/auth/refresh/",
            None,
            {"refresh": ["token"]},
            {"refresh"},
            id="refresh",
        ),
        pytest.param(
            "POST",
            lambda ws: "/api/auth/memberships/",
            Role.OWNER,
            {"email": ["a@example.test"], "role": 3, "service": "kitchen"},
            {"email", "role", "service"},
            id="invite",
        ),
        pytest.param(
            "PATCH",
            _membership_url,
            Role.OWNER,
            {"role": ["owner"], "service": {"id": 1}},
            {"role", "service"},
            id="membership-patch",
        ),
        pytest.param(
            "POST",
            lambda ws: "/api/auth/invitations/accept/",
            None,
            {"token": ["abc"]},
            {"token"},
            id="invitation-accept",
        ),
    ],
)
def test_wrong_types_name_each_bad_field(workspace, other_workspace, method, url, role, body, bad_fields):
    with scopes_disabled():
        services_before = Service.objects.count()

    response = send(_client(workspace, role), method, url(workspace), body)

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == bad_fields, error["fields"]
    assert all(isinstance(messages, list | dict) and messages for messages in error["fields"].values()), error["fields"]
    with scopes_disabled():
        assert Service.objects.count() == services_before


NOT_AN_ID = ["abc", "1.5", "-1", "0x1", "%20", HUGE_ID]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        *[("GET", f"/api/auth/services/{value}/") for value in NOT_AN_ID],
        *[("PATCH", f"/api/auth/services/{value}/") for value in NOT_AN_ID],
        *[("DELETE", f"/api/auth/services/{value}/") for value in NOT_AN_ID],
        ("GET", "/api/auth/services/abc"),
        *[("GET", f"/api/auth/memberships/{value}/") for value in NOT_AN_ID],
        *[("PATCH", f"/api/auth/memberships/{value}/") for value in NOT_AN_ID],
        *[("DELETE", f"/api/auth/memberships/{value}/") for value in NOT_AN_ID],
        *[("DELETE", f"/api/auth/invitations/{value}/") for value in NOT_AN_ID],
        *[("POST", f"/api/auth/invitations/{value}/resend/") for value in NOT_AN_ID],
    ],
)
def test_ids_that_cannot_exist_are_not_found(workspace, other_workspace, method, path):
    response = send(workspace.client(Role.OWNER), method, path, {"name": "Cave"})

    assert_error(response, 404, "NOT_FOUND")


UNKNOWN_TENANTS = [
    *["abc", "0", "-1", "1.0", "1e3", " ", "1; DROP TABLE orgs_tenant", HUGE_ID, BEYOND_BIGINT],
    pytest.param(lambda a, b: str(b.tenant.pk), id="another-tenant"),
    pytest.param(lambda a, b: str(max(a.tenant.pk, b.tenant.pk) + 1000), id="no-such-tenant"),
]


@pytest.mark.parametrize("header", UNKNOWN_TENANTS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_tenant_header_is_not_found(workspace, other_workspace, header, method):
    value = header(workspace, other_workspace) if callable(header) else header
    with scopes_disabled():
        services_before = Service.objects.count()

    response = send(
        workspace.client(Role.OWNER), method, "/api/auth/services/", {"name": "Cave"}, HTTP_X_TENANT_ID=value
    )

    assert_error(response, 404, "NOT_FOUND")
    with scopes_disabled():
        assert Service.objects.count() == services_before


class ServiceProbeView(TenantAPIView):
    """The smallest consumer of the service scope (`?service=`, body `service`, X-Service-Id),
    as the inventory, stats and export views use it; no route of the project uses it yet."""

    permissions = {"GET": Perm.VIEW_SERVICES, "POST": Perm.VIEW_SERVICES}

    def get(self, request):
        return Response({"service": self.get_service().pk})

    def post(self, request):
        return Response({"service": self.get_service().pk})


PROBE_URL = "/api/test-probe/service/"
urlpatterns = [route(PROBE_URL.removeprefix("/"), ServiceProbeView.as_view(), "service-probe"), *project_urlpatterns]
with_service_probe = pytest.mark.urls(__name__)


def _ask_service(client: APIClient, source: str, value: str):
    if source == "query":
        return client.get(PROBE_URL, {"service": value})
    if source == "header":
        return client.get(PROBE_URL, HTTP_X_SERVICE_ID=value)
    return client.post(PROBE_URL, {"service": value}, format="json")


SERVICE_SOURCES = ["query", "header", "body"]


UNKNOWN_SERVICES = [
    *["abc", "0", "-1", "1.5", HUGE_ID, BEYOND_BIGINT],
    pytest.param(lambda a, b: str(b.kitchen.pk), id="another-tenants-service"),
    pytest.param(lambda a, b: str(max(a.bar.pk, b.bar.pk) + 1000), id="no-such-service"),
]


@with_service_probe
@pytest.mark.parametrize("source", SERVICE_SOURCES)
@pytest.mark.parametrize("service", UNKNOWN_SERVICES)
def test_unknown_service_is_not_found(workspace, other_workspace, source, service):
    value = service(workspace, other_workspace) if callable(service) else service

    response = _ask_service(workspace.client(Role.OWNER), source, value)

    assert_error(response, 404, "NOT_FOUND")


@with_service_probe
@pytest.mark.parametrize("source", SERVICE_SOURCES)
def test_service_scope_resolves_own_service_and_holds_limited_members(workspace, other_workspace, source):
    owner_asks_bar = _ask_service(workspace.client(Role.OWNER), source, str(workspace.bar.pk))
    limited_asks_bar = _ask_service(workspace.client("operator_bar"), source, str(workspace.bar.pk))
    limited_asks_kitchen = _ask_service(workspace.client("operator_bar"), source, str(workspace.kitchen.pk))

    assert (owner_asks_bar.status_code, owner_asks_bar.json()) == (200, {"service": workspace.bar.pk})
    assert (limited_asks_bar.status_code, limited_asks_bar.json()) == (200, {"service": workspace.bar.pk})
    assert_error(limited_asks_kitchen, 404, "NOT_FOUND")


@with_service_probe
def test_service_is_required_unless_the_membership_fixes_it(workspace, other_workspace):
    assert_error(workspace.client(Role.OWNER).get(PROBE_URL), 400, "SERVICE_REQUIRED")
    limited = workspace.client("operator_bar").get(PROBE_URL)
    assert (limited.status_code, limited.json()) == (200, {"service": workspace.bar.pk})


@pytest.mark.parametrize(
    ("url", "role"),
    [
        pytest.param("/api/auth/services/", Role.OWNER, id="services"),
        pytest.param("/api/auth/login/", None, id="login"),
        pytest.param("/api/nope/", None, id="unknown-path"),
    ],
)
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=64)
def test_body_over_the_limit_is_refused(workspace, other_workspace, url, role):
    with scopes_disabled():
        services_before = Service.objects.count()

    response = _client(workspace, role).post(url, {"name": "C" * 100, "service_type": "bar"}, format="json")

    error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert error["max_bytes"] == 64
    with scopes_disabled():
        assert Service.objects.count() == services_before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=64)
def test_body_within_the_limit_is_read(workspace, other_workspace):
    response = APIClient().post("/api/auth/login/", {"username": "nobody", "password": "x"}, format="json")

    assert_error(response, 401, "INVALID_CREDENTIALS")


def test_configured_limit_is_enforced(workspace, other_workspace, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = '{"name": "' + "C" * limit + '"}'

    response = _raw(workspace.client(Role.OWNER), "POST", "/api/auth/services/", body)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("length", ["abc", "-1", "1.5"])
def test_invalid_content_length_is_refused(workspace, other_workspace, length):
    response = _raw(workspace.client(Role.OWNER), "POST", "/api/auth/services/", "{}", CONTENT_LENGTH=length)

    body = assert_json(response)
    assert response.status_code == 400
    assert body["code"] in ("VALIDATION_ERROR", "MALFORMED_JSON"), body


@pytest.mark.parametrize(
    "path",
    ["/api/nope", "/api/nope/", "/api/auth/nope", "/api/auth/services/1/extra/", "/api/"],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("authenticated", [True, False], ids=["owner", "anonymous"])
def test_unknown_api_path_is_a_json_404(workspace, other_workspace, path, method, authenticated):
    # CSRF checks on, as in production (the test client turns them off), for a client without
    # a session cookie: the SPA, curl, a mobile app.
    client = workspace.client(Role.OWNER) if authenticated else APIClient()
    client.handler.enforce_csrf_checks = True

    response = client.generic(method, path, "{}", content_type="application/json")

    assert_error(response, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "url", "role"),
    [
        pytest.param("GET", lambda ws: "/api/auth/login/", None, id="get-login"),
        pytest.param("DELETE", lambda ws: "/api/auth/register/", None, id="delete-register"),
        pytest.param("PUT", lambda ws: "/api/auth/me/", Role.OWNER, id="put-me"),
        pytest.param("DELETE", lambda ws: "/api/auth/services/", Role.OWNER, id="delete-service-list"),
        pytest.param("PUT", _membership_url, Role.OWNER, id="put-membership"),
        pytest.param("POST", _membership_url, Role.OWNER, id="post-membership"),
        pytest.param("PUT", lambda ws: "/api/auth/members/summary/", Role.OWNER, id="put-members-summary"),
        pytest.param("GET", lambda ws: "/api/auth/invitations/decline/", None, id="get-invitation-decline"),
        pytest.param("PUT", lambda ws: "/api/auth/invitations/accept/", None, id="put-invitation-accept"),
        pytest.param("GET", lambda ws: "/api/webhooks/sendgrid/", None, id="get-sendgrid-webhook"),
        pytest.param("POST", lambda ws: "/api/auth/me/org/entitlements", Role.OWNER, id="post-entitlements"),
        pytest.param("POST", lambda ws: "/api/health/", None, id="post-api-health"),
        pytest.param("DELETE", lambda ws: "/health", None, id="delete-health"),
    ],
)
def test_wrong_method_is_a_json_405(workspace, other_workspace, method, url, role):
    client = _client(workspace, role)
    client.handler.enforce_csrf_checks = True

    response = client.generic(method, url(workspace), "{}", content_type="application/json")

    assert_error(response, 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("Bearer not-a-token", "TOKEN_INVALID"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "TOKEN_INVALID"),
        ("Bearer", "AUTHENTICATION_FAILED"),
        ("Basic dXNlcjpwYXNz", "NOT_AUTHENTICATED"),
    ],
)
def test_bad_credentials_are_a_json_401(workspace, other_workspace, authorization, code):
    response = APIClient().get("/api/auth/services/", HTTP_AUTHORIZATION=authorization)

    assert_error(response, 401, code)


def _missing_service_url(ws):
    return f"/api/auth/services/{ws.bar.pk + 1000}/"


@pytest.mark.parametrize(
    ("url", "role", "headers", "status", "english"),
    [
        pytest.param(_missing_service_url, Role.OWNER, {}, 404, "Not found.", id="missing-object"),
        pytest.param(lambda ws: "/api/nope/", None, {}, 404, "Not found.", id="unknown-path"),
        pytest.param(
            lambda ws: "/api/auth/services/",
            Role.OWNER,
            {"HTTP_X_TENANT_ID": "0"},
            404,
            "This organisation does not exist or you are not a member of it.",
            id="unknown-tenant",
        ),
        pytest.param(
            lambda ws: "/api/auth/services/",
            None,
            {},
            401,
            "Authentication credentials were not provided.",
            id="anonymous",
        ),
    ],
)
def test_accept_language_picks_the_language_of_the_detail(
    workspace, other_workspace, url, role, headers, status, english
):
    client = _client(workspace, role)

    in_english = assert_json(client.get(url(workspace), HTTP_ACCEPT_LANGUAGE="en", **headers))
    in_french = assert_json(client.get(url(workspace), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9", **headers))

    assert in_english["detail"] == english
    assert in_french["code"] == in_english["code"]
    assert in_french["detail"] != in_english["detail"], "the French answer is not translated"
    assert in_french["detail"].strip()
