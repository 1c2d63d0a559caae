"""Whatever a client sends, the API answers with its JSON error format and never a 500.

Tenant A is `workspace`; `other_workspace` (tenant B) provides ids that exist but belong to
someone else, which must read exactly like ids that do not exist.

The routes that read a JSON body are found by the route walk (tests/backend/core/api_routes.py):
every route and method whose OpenAPI operation has a request body, called by a role allowed
to call it, with the fields the schema gives it.
"""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import override_settings
from django_scopes import scopes_disabled
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIClient

from config.urls import urlpatterns as project_urlpatterns
from stockscan.core.routing import route
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Role, Service
from stockscan.orgs.tenancy.permissions import Perm, role_has
from stockscan.orgs.tenancy.views import TenantAPIView
from tests.backend.core.api_routes import (
    BODY_METHODS,
    NO_TENANT_OBJECT_ROUTES,
    TENANT_MODELS,
    ApiRoute,
    api_routes,
    error_code,
    request_body_schema,
    route_call,
)
from tests.backend.core.responses import assert_error, assert_json, send
from tests.conftest import Workspace
from tests.plans import set_plan

HUGE_ID = "9" * 30
BEYOND_BIGINT = str(2**63)


@pytest.fixture(autouse=True)
def _plan_with_room(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)


def _membership_url(ws):
    return f"/api/auth/memberships/{ws.members[Role.OPERATOR].pk}/"


# Routes that read a body, but not as JSON fields: each with the reason it is left out here.
RAW_BODY_ROUTES = {
    "billing-webhook": "Stripe's signed event: the signature over the raw bytes is checked before anything is "
    "parsed (tests/backend/billing/test_webhook_intake.py)",
    "sendgrid-webhook": "SendGrid's signed event batch: the signature over the raw bytes is checked before "
    "anything is parsed (tests/backend/mail/test_sendgrid_webhook.py)",
}
# Views that read their body in steps: the fields of the first step are all a body of wrong
# types is told about (the accept link settles who may accept before asking for an account).
FIELDS_CHECKED_FIRST = {"invitation-accept": {"token"}}
# Views that answer a bad value of their first field with a code of their own, listing the
# values allowed (README, billing): INVALID_PLAN rather than VALIDATION_ERROR.
OWN_CODE_FOR_A_BAD_VALUE = {"billing-checkout": "INVALID_PLAN"}
MEMBER_ROLES = (Role.OWNER, Role.MANAGER, Role.OPERATOR)


@dataclass(frozen=True)
class BodyRoute:
    route: ApiRoute
    method: str
    role: str | None  # who calls it: a member holding the route's permission, or anonymous
    fields: dict  # the body's fields, as the schema describes them

    def url(self, ws: Workspace) -> str:
        if not self.route.is_tenant_view:
            return self.route.url()
        return route_call(self.route, self.method, owner=ws, caller=ws, service=ws.kitchen).url


def _caller(route: ApiRoute, method: str) -> str | None:
    """A role allowed to call the route (a member holding its permission), or None (anonymous)."""
    if route.is_tenant_view:
        permission = route.permission(method)
        return next((role for role in MEMBER_ROLES if permission and role_has(role, permission)), None)
    return Role.OWNER if any(issubclass(cls, IsAuthenticated) for cls in route.view_class.permission_classes) else None


def _routes_with_body_methods() -> list[tuple[ApiRoute, str]]:
    return [
        (route, method)
        for route in api_routes()
        if route.view_class is not None and route.name not in RAW_BODY_ROUTES
        for method in sorted(route.methods & BODY_METHODS)
    ]


def body_routes() -> list[BodyRoute]:
    """Every route and method that reads a JSON body."""
    found = []
    for api_route, method in _routes_with_body_methods():
        schema = request_body_schema(api_route, method)
        if schema is not None:
            found.append(BodyRoute(api_route, method, _caller(api_route, method), schema.get("properties", {})))
    return found


BODY_ENDPOINTS = [pytest.param(endpoint, id=f"{endpoint.route.name}-{endpoint.method}") for endpoint in body_routes()]
BODYLESS_ENDPOINTS = [
    pytest.param(api_route, method, id=f"{api_route.name}-{method}")
    for api_route, method in _routes_with_body_methods()
    if request_body_schema(api_route, method) is None
]


def test_the_body_routes_are_found_by_the_walk():
    names = {(endpoint.route.name, endpoint.method) for endpoint in body_routes()}

    assert set(RAW_BODY_ROUTES) <= set(NO_TENANT_OBJECT_ROUTES)
    assert {
        ("service-list", "POST"),
        ("membership-detail", "PATCH"),
        ("product-list", "POST"),
        ("product-detail", "PUT"),
        ("count-list", "POST"),
        ("count-line-list", "POST"),
        ("count-line-detail", "PATCH"),
        ("loss-list", "POST"),
        ("category-detail", "PATCH"),
        ("billing-checkout", "POST"),
        ("me", "PATCH"),
        ("login", "POST"),
        ("invitation-accept", "POST"),
    } <= names
    assert all(endpoint.fields for endpoint in body_routes()), "a body route whose schema names no field"


def _client(workspace, role) -> APIClient:
    return workspace.client(role) if role else APIClient()


def _raw(client: APIClient, method: str, url: str, body: str, **extra):
    return client.generic(method, url, body, content_type="application/json", **extra)


def _tenant_row_counts() -> dict[str, int]:
    with scopes_disabled():
        return {model._meta.label: model.objects.count() for model in TENANT_MODELS}


MALFORMED_JSON = ["{bad", '{"name": "Cave",}', "{'name': 'Cave'}", '{"name": "Ca', "\ufeff{}"]
NOT_AN_OBJECT = ["[1, 2]", "[]", '"Cave"', "42", "null", "true"]


def _answers(endpoint: BodyRoute, workspace: Workspace, url: str, bodies: list[str]) -> dict[str, tuple]:
    """(status, code) of each raw body, each sent as a first request (throttles start afresh)."""
    client = _client(workspace, endpoint.role)
    answers = {}
    for body in bodies:
        cache.clear()
        response = _raw(client, endpoint.method, url, body)
        assert_json(response)
        answers[body] = (response.status_code, error_code(response))
    return answers


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
def test_malformed_json_is_refused(workspace, endpoint):
    url = endpoint.url(workspace)
    rows_before = _tenant_row_counts()

    answers = _answers(endpoint, workspace, url, MALFORMED_JSON)

    assert answers == dict.fromkeys(MALFORMED_JSON, (400, "MALFORMED_JSON"))
    assert _tenant_row_counts() == rows_before


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
def test_json_that_is_not_an_object_is_refused(workspace, endpoint):
    url = endpoint.url(workspace)
    rows_before = _tenant_row_counts()

    answers = _answers(endpoint, workspace, url, NOT_AN_OBJECT)

    assert answers == dict.fromkeys(NOT_AN_OBJECT, (400, "VALIDATION_ERROR"))
    assert _tenant_row_counts() == rows_before


def _wrong_type(field: dict):
    """A value of another JSON type than the field's: a list where a single value is
    expected, a string where a list or an object is."""
    return "not-a-collection" if field.get("type") in ("array", "object") else ["wrong", "type"]


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
def test_wrong_types_name_each_bad_field(workspace, endpoint):
    url = endpoint.url(workspace)
    body = {name: _wrong_type(field) for name, field in endpoint.fields.items() if not field.get("readOnly")}
    rows_before = _tenant_row_counts()

    response = send(_client(workspace, endpoint.role), endpoint.method, url, body)

    if endpoint.route.name in OWN_CODE_FOR_A_BAD_VALUE:
        assert_error(response, 400, OWN_CODE_FOR_A_BAD_VALUE[endpoint.route.name])
        return
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == FIELDS_CHECKED_FIRST.get(endpoint.route.name, set(body)), error["fields"]
    assert all(isinstance(messages, list | dict) and messages for messages in error["fields"].values()), error["fields"]
    assert _tenant_row_counts() == rows_before


@pytest.mark.parametrize(("api_route", "method"), BODYLESS_ENDPOINTS)
def test_a_route_the_schema_gives_no_body_reads_none(workspace, api_route, method):
    """POST actions on an object (close, reopen, resend…) declare no body: if one starts
    reading a body, it must say so in its schema, so that the checks above reach it."""
    endpoint = BodyRoute(api_route, method, _caller(api_route, method), {})

    response = _raw(_client(workspace, endpoint.role), method, endpoint.url(workspace), "{bad")

    assert error_code(response) not in ("MALFORMED_JSON", "VALIDATION_ERROR"), (
        f"{method} {api_route.pattern} reads its body: declare it (extend_schema(request=...))"
    )


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
def test_ids_that_cannot_exist_are_not_found(workspace, method, path):
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
def test_service_scope_resolves_own_service_and_holds_limited_members(workspace, source):
    owner_asks_bar = _ask_service(workspace.client(Role.OWNER), source, str(workspace.bar.pk))
    limited_asks_bar = _ask_service(workspace.client("operator_bar"), source, str(workspace.bar.pk))
    limited_asks_kitchen = _ask_service(workspace.client("operator_bar"), source, str(workspace.kitchen.pk))

    assert (owner_asks_bar.status_code, owner_asks_bar.json()) == (200, {"service": workspace.bar.pk})
    assert (limited_asks_bar.status_code, limited_asks_bar.json()) == (200, {"service": workspace.bar.pk})
    assert_error(limited_asks_kitchen, 404, "NOT_FOUND")


@with_service_probe
def test_service_is_required_unless_the_membership_fixes_it(workspace):
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
def test_body_over_the_limit_is_refused(workspace, url, role):
    with scopes_disabled():
        services_before = Service.objects.count()

    response = _client(workspace, role).post(url, {"name": "C" * 100, "service_type": "bar"}, format="json")

    error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert error["max_bytes"] == 64
    with scopes_disabled():
        assert Service.objects.count() == services_before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=64)
def test_body_within_the_limit_is_read(workspace):
    response = APIClient().post("/api/auth/login/", {"username": "nobody", "password": "x"}, format="json")

    assert_error(response, 401, "INVALID_CREDENTIALS")


def test_configured_limit_is_enforced(workspace, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = '{"name": "' + "C" * limit + '"}'

    response = _raw(workspace.client(Role.OWNER), "POST", "/api/auth/services/", body)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("length", ["abc", "-1", "1.5"])
def test_invalid_content_length_is_refused(workspace, length):
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
def test_unknown_api_path_is_a_json_404(workspace, path, method, authenticated):
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
def test_wrong_method_is_a_json_405(workspace, method, url, role):
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
def test_bad_credentials_are_a_json_401(workspace, authorization, code):
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
def test_accept_language_picks_the_language_of_the_detail(workspace, url, role, headers, status, english):
    client = _client(workspace, role)

    in_english = assert_json(client.get(url(workspace), HTTP_ACCEPT_LANGUAGE="en", **headers))
    in_french = assert_json(client.get(url(workspace), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9", **headers))

    assert in_english["detail"] == english
    assert in_french["code"] == in_english["code"]
    assert in_french["detail"] != in_english["detail"], "the French answer is not translated"
    assert in_french["detail"].strip()
