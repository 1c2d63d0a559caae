"""Hostile input, generated: whatever a client sends, every route answers with the JSON error
format and never a 500.

The cases come from the route walk (`api_routes.py`) and the OpenAPI schema, so a new route
or a new body field is covered the day it is added:

- every route, every method that may carry a body, receives a JSON body nested 1,000 deep
  (2 KB), as the anonymous public and as an owner;
- every route that reads a JSON body receives, in each of its string fields in turn, a NUL
  character and an over-long string (the rest of the body valid, from `VALID_BODIES`); email
  fields an address of 260 characters, decimal fields `-0.0`, name fields a right-to-left
  override and a zero-width space;
- every route that lists or looks up receives `%00` in its query parameters.
"""

import json
import re
from functools import cache

import pytest
from django.db.models import ProtectedError
from django_scopes import scopes_disabled
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from stockscan.core.errors import api_exception_handler
from stockscan.credits.models import CreditEntry, PaymentEntry
from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import CountLine, Loss
from stockscan.orgs.models import Role, Service
from tests.backend.core.api_routes import TENANT_MODELS, ApiRoute, api_routes
from tests.backend.core.responses import assert_error, assert_json
from tests.conftest import Workspace
from tests.factories import (
    PASSWORD,
    CountLineFactory,
    LossFactory,
    ProductFactory,
    ServiceFactory,
    StockCountFactory,
)
from tests.plans import set_plan

BODY_METHODS = ("POST", "PUT", "PATCH")
DEEP_JSON = '{"a":' + "[" * 1000 + "]" * 1000 + "}"
NEW_PASSWORD = "Topinambour-Rôti-2026"
OVER_LONG = "x" * 10_000
LONG_EMAIL = "a" * 248 + "@x.test"  # 255 characters: one over varchar(254)
NAME_FIELDS = {"name", "tenant_name", "service_name", "first_name", "last_name", "username", "supplier", "brand"}
INVISIBLE = {"rtl-override": "Bar\u202eevil", "zero-width-space": "Bar\u200bCave"}
# Routes where a name field identifies an existing account rather than naming something.
IDENTIFIER_ROUTES = {"login"}
# Routes whose body is not a serializer's: signed webhooks read the raw bytes.
RAW_BODY_ROUTES = {"billing-webhook", "sendgrid-webhook"}
# Outside services that answer 503 when they are not configured (as in the tests).
NOT_CONFIGURED = {"billing-checkout": 503, "billing-portal": 503, "sendgrid-webhook": 503, "billing-webhook": 503}


def _valid_bodies(ws: Workspace) -> dict[tuple[str, str], dict]:
    """A valid body for each (route, method) that reads one; the cases replace one field."""
    owner = ws.user(Role.OWNER)
    product = {"name": "Farine T55", "unit": "kg", "purchase_price": "1.20", "selling_price": "2.00"}
    line = {"quantity": "3", "lot": "", "remaining_quantity": None}
    loss = {"quantity": "1", "reason": "breakage", "occurred_on": "2019-06-15", "note": "tombé"}
    account = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    customer = {"name": "Awa Diallo", "phone": "+221771234567", "email": "awa@example.test", "address": "Dakar"}
    return {
        ("register", "POST"): {
            "username": "nouvelle.maison",
            "email": "nouvelle@maison.test",
            "tenant_name": "La Maison",
            "service_name": "Cuisine",
            **account,
        },
        ("login", "POST"): {"username": owner.username, "email": owner.email, "password": PASSWORD},
        ("token-refresh", "POST"): {"refresh": "not-a-token"},
        ("logout", "POST"): {"refresh": "not-a-token"},
        ("me", "PATCH"): {"first_name": "Awa", "last_name": "Diallo", "email": "awa@example.test"},
        ("email-confirm", "POST"): {"token": "unknown-token"},
        ("tenant-settings", "PATCH"): {"name": "Chez Awa", "currency": "XOF", "timezone": "Africa/Dakar"},
        ("password-change", "POST"): {
            "old_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
        ("password-reset", "POST"): {"email": owner.email},
        ("password-reset-confirm", "POST"): {
            "uid": "MQ",
            "token": "abc-def",
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
        ("invitation-accept", "POST"): {"token": "unknown-token", "username": "recrue", **account},
        ("invitation-decline", "POST"): {"token": "unknown-token"},
        ("billing-checkout", "POST"): {"plan": "PRO", "cycle": "MONTHLY"},
        ("exports", "POST"): {
            "format": "csv",
            "from": "2019-06",
            "to": "2019-06",
            "service": "all",
            "mode": "all",
            "sep": ";",
            "email": owner.email,
            "message": "Pour la clôture",
        },
        ("export-recipient-list", "POST"): {"name": "Cabinet Diallo", "email": "compta@cabinet-diallo.test"},
        ("export-recipient-confirm", "POST"): {"token": "unknown-token"},
        ("service-list", "POST"): {"name": "Cave", "service_type": "bar"},
        ("service-detail", "PUT"): {"name": "Cave"},
        ("service-detail", "PATCH"): {"name": "Cave"},
        ("membership-list", "POST"): {"email": "recrue@example.test", "role": Role.OPERATOR},
        ("membership-detail", "PATCH"): {"role": Role.OPERATOR},
        ("category-list", "POST"): {"name": "Épicerie"},
        ("category-detail", "PUT"): {"name": "Épicerie"},
        ("category-detail", "PATCH"): {"name": "Épicerie"},
        ("product-list", "POST"): product,
        ("product-detail", "PUT"): product,
        ("product-detail", "PATCH"): product,
        ("area-list", "POST"): {"name": "Réserve", "position": 1},
        ("area-detail", "PUT"): {"name": "Réserve", "position": 1},
        ("area-detail", "PATCH"): {"name": "Réserve"},
        ("count-list", "POST"): {"month": f"{ws.tenant.today():%Y-%m}"},
        ("count-close", "POST"): {"uncounted": "zero"},
        ("count-line-list", "POST"): {**TENANT_MODELS[CountLine].create_body(ws), **line, "client_id": "a-1"},
        ("count-line-detail", "PUT"): {"product": _kitchen_product(ws), **line},
        ("count-line-detail", "PATCH"): line,
        ("loss-list", "POST"): {**TENANT_MODELS[Loss].create_body(ws), **loss, "client_id": "a-1"},
        ("loss-detail", "PUT"): {"product": _kitchen_product(ws), **loss},
        ("loss-detail", "PATCH"): loss,
        ("ai-assistant", "POST"): {"scope": "inventory", "month": "2019-06", "question": "Que surveiller ?"},
        ("customer-list", "POST"): customer,
        ("customer-detail", "PUT"): customer,
        ("customer-detail", "PATCH"): customer,
        ("credit-list", "POST"): {
            **TENANT_MODELS[CreditEntry].create_body(ws),
            "description": "riz 25 kg",
            "client_id": "c-1",
        },
        ("payment-list", "POST"): {
            **TENANT_MODELS[PaymentEntry].create_body(ws),
            "method": "mobile_money",
            "reference": "OM-123",
            "client_id": "p-1",
        },
        ("entry-reverse", "POST"): {"reason": "erreur de saisie"},
        ("credit-settings", "PATCH"): {"payment_term_days": 15, "reminders_enabled": True},
        ("customer-access", "POST"): {"code": "ABCDEFGHJKM"},
        ("customer-send-statement", "POST"): {"start": "2026-01-01", "end": "2026-02-01", "format": "xlsx"},
    }


def _kitchen_product(ws: Workspace) -> int:
    return ProductFactory(tenant=ws.tenant, service=ws.kitchen).pk


# --- The schema: which routes read a body, and its string fields


@cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _path_pattern(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def _operation(route: ApiRoute, method: str) -> dict | None:
    url = route.url(route.model(pk=1) if route.is_detail else None)
    for template, operations in _schema()["paths"].items():
        if _path_pattern(template).match(url):
            return operations.get(method.lower())
    return None


def _string_fields(route: ApiRoute, method: str) -> dict[str, str]:
    """Top-level string fields of the route's JSON body: name -> format ('' when none)."""
    operation = _operation(route, method) or {}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" not in body:
        return {}
    component = _schema()["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return {
        name: spec.get("format", "")
        for name, spec in component.get("properties", {}).items()
        if spec.get("type") == "string" and not spec.get("readOnly")
    }


def _body_routes() -> list[tuple[ApiRoute, str]]:
    return [
        (route, method)
        for route in api_routes()
        if route.name and route.name not in RAW_BODY_ROUTES
        for method in sorted(route.methods & set(BODY_METHODS))
        if _string_fields(route, method)
    ]


def _field_cases(kinds: tuple[str, ...]):
    cases = []
    for route, method in _body_routes():
        for field, fmt in _string_fields(route, method).items():
            for kind in kinds:
                if kind == "long-email" and fmt != "email":
                    continue
                if kind == "negative-zero" and fmt != "decimal":
                    continue
                if kind in INVISIBLE and (field not in NAME_FIELDS or route.name in IDENTIFIER_ROUTES):
                    continue
                cases.append(pytest.param(route, method, field, kind, id=f"{route.name}-{method}-{field}-{kind}"))
    return cases


# --- Sending


@pytest.fixture(autouse=True)
def _room(workspace, other_workspace):
    set_plan(workspace.tenant, PlanCode.PRO)
    set_plan(other_workspace.tenant, PlanCode.PRO)


def _url(route: ApiRoute, ws: Workspace) -> str:
    if not route.is_detail:
        return route.url()
    if route.name == "count-line-detail":
        with scopes_disabled():
            month = StockCountFactory(tenant=ws.tenant, service=ws.kitchen)
        return route.url(CountLineFactory(count=month, product__service=ws.kitchen))
    if route.name == "loss-detail":
        return route.url(LossFactory(product__tenant=ws.tenant, product__service=ws.kitchen))
    return route.url(TENANT_MODELS[route.model].make(ws))


class _Owner:
    """The owner's client, working on the kitchen (X-Service-Id) where a service is needed."""

    def __init__(self, ws: Workspace):
        self.client, self.service = ws.client(Role.OWNER), str(ws.kitchen.pk)

    def generic(self, method, url, body="", **extra):
        return self.client.generic(method, url, body, HTTP_X_SERVICE_ID=self.service, **extra)

    def get(self, url):
        return self.generic("GET", url)


def _owner(ws: Workspace) -> _Owner:
    return _Owner(ws)


def _send(client, method: str, url: str, body: str):
    return client.generic(method, url, body, content_type="application/json")


def test_every_body_route_has_a_valid_body_to_vary(workspace):
    """A new route that reads a body must be given one here, so its fields are covered."""
    known = _valid_bodies(workspace)
    missing = [f"{route.name} {method}" for route, method in _body_routes() if (route.name, method) not in known]
    assert not missing, f"add a valid body to _valid_bodies() for: {', '.join(missing)}"
    assert len(_body_routes()) >= 25, "the schema walk found too few body routes: is the schema generated?"


# --- Deep nesting, every route and method


def _deep_cases():
    return [
        pytest.param(route, method, id=f"{route.name}-{method}")
        for route in api_routes()
        if route.name
        for method in sorted(route.methods & {*BODY_METHODS, "DELETE"})
    ]


@pytest.mark.parametrize(("route", "method"), _deep_cases())
@pytest.mark.parametrize("as_owner", [False, True], ids=["anonymous", "owner"])
def test_json_nested_a_thousand_deep_is_refused_everywhere(workspace, route, method, as_owner):
    client = _owner(workspace) if as_owner else APIClient()
    url = _url(route, workspace) if as_owner else route.url(route.model(pk=1) if route.is_detail else None)

    response = _send(client, method, url, DEEP_JSON)

    if response.status_code == 204:  # a deletion, which reads no body
        return
    body = assert_json(response, outside_failure=NOT_CONFIGURED.get(route.name))
    if response.status_code == 400 and route.name not in RAW_BODY_ROUTES:
        assert body["code"] == "MALFORMED_JSON", body


@pytest.mark.parametrize(
    "url",
    [
        "/api/auth/login/",
        "/api/auth/register/",
        "/api/auth/refresh/",
        "/api/auth/password-reset/",
        "/api/auth/password-reset/confirm/",
        "/api/auth/invitations/accept/",
        "/api/auth/invitations/decline/",
        "/api/exports/recipients/confirm/",
    ],
)
def test_the_public_routes_answer_deep_json_as_malformed(db, url):
    assert_error(_send(APIClient(), "POST", url, DEEP_JSON), 400, "MALFORMED_JSON")


# --- Every string field of every body


def _vary(route, method, field, kind, ws) -> tuple[object, object]:
    body = dict(_valid_bodies(ws)[(route.name, method)])
    value = {
        "nul": "a\x00b",
        "over-long": OVER_LONG,
        "long-email": LONG_EMAIL,
        "negative-zero": "-0.0",
        **INVISIBLE,
    }[kind]
    body[field] = value
    client = _owner(ws)
    return client, _send(client, method, _url(route, ws), json.dumps(body))


@pytest.mark.parametrize(("route", "method", "field", "kind"), _field_cases(("nul",)))
def test_a_nul_character_in_any_string_field_is_a_field_error(workspace, route, method, field, kind):
    _, response = _vary(route, method, field, kind, workspace)

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in body["fields"], body


@pytest.mark.parametrize(("route", "method", "field", "kind"), _field_cases(("over-long",)))
def test_an_over_long_string_in_any_field_is_never_a_server_error(workspace, route, method, field, kind):
    _, response = _vary(route, method, field, kind, workspace)

    body = assert_json(response, outside_failure=NOT_CONFIGURED.get(route.name))
    if response.status_code >= 400:
        assert isinstance(body.get("code"), str) and body.get("detail"), body


@pytest.mark.parametrize(("route", "method", "field", "kind"), _field_cases(("long-email",)))
def test_an_email_over_254_characters_is_a_field_error(workspace, route, method, field, kind):
    _, response = _vary(route, method, field, kind, workspace)

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in body["fields"], body


@pytest.mark.parametrize(("route", "method", "field", "kind"), _field_cases(tuple(INVISIBLE)))
def test_invisible_characters_in_a_name_are_a_field_error(workspace, route, method, field, kind):
    _, response = _vary(route, method, field, kind, workspace)

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in body["fields"], body


@pytest.mark.parametrize(("route", "method", "field", "kind"), _field_cases(("negative-zero",)))
def test_negative_zero_is_never_stored(workspace, route, method, field, kind):
    _, response = _vary(route, method, field, kind, workspace)

    body = assert_json(response)
    if response.status_code < 300:
        assert not str(body.get(field) or "").startswith("-"), body


# --- Query strings


def _query_cases():
    return [
        pytest.param(route, id=route.name)
        for route in api_routes()
        if route.name and "GET" in route.methods and route.name not in ("schema", "docs")
    ]


@pytest.mark.parametrize("route", _query_cases())
def test_a_nul_in_a_query_parameter_is_refused(workspace, route):
    url = _url(route, workspace) if route.model in TENANT_MODELS else route.url()
    query = "search=%00&barcode=%00&month=%00&service=%00&token=%00&category=%00&from=%00"

    response = _owner(workspace).get(f"{url}?{query}")

    body = assert_json(response)
    assert response.status_code == 400, body


def test_product_search_and_lookup_with_nul_name_the_parameter(workspace):
    client = _owner(workspace)

    search = client.get("/api/products/?search=%00")
    lookup = client.get("/api/products/lookup/?barcode=ab%00cd")

    assert list(assert_error(search, 400, "VALIDATION_ERROR")["fields"]) == ["search"]
    assert list(assert_error(lookup, 400, "VALIDATION_ERROR")["fields"]) == ["barcode"]


# --- Deletions that other rows prevent


def test_deleting_a_service_with_counted_lines_is_a_conflict(workspace):
    cellar = ServiceFactory(tenant=workspace.tenant, name="Cave")
    month = StockCountFactory(tenant=workspace.tenant, service=cellar)
    CountLineFactory(count=month, product__service=cellar)

    response = workspace.client().delete(f"/api/auth/services/{cellar.pk}/")

    assert_error(response, 409, "SERVICE_HAS_DATA")
    with scopes_disabled():
        assert Service.objects.filter(pk=cellar.pk).exists()


def test_deleting_a_service_with_losses_is_a_conflict(workspace):
    cellar = ServiceFactory(tenant=workspace.tenant, name="Cave")
    LossFactory(product__tenant=workspace.tenant, product__service=cellar)

    response = workspace.client().delete(f"/api/auth/services/{cellar.pk}/")

    assert_error(response, 409, "SERVICE_HAS_DATA")
    with scopes_disabled():
        assert Service.objects.filter(pk=cellar.pk).exists()


def test_any_deletion_that_other_rows_prevent_is_a_conflict(workspace):
    """The one handler answers ProtectedError, whichever delete meets it."""
    product = ProductFactory(tenant=workspace.tenant, service=workspace.kitchen)
    LossFactory(product=product)
    with scopes_disabled(), pytest.raises(ProtectedError) as raised:
        product.delete()

    response = api_exception_handler(raised.value, {"view": None})

    assert (response.status_code, response.data["code"]) == (409, "OBJECT_IN_USE")
