"""The OpenAPI schema documents every error answer (stockscan.core.schema): each operation lists
the statuses it can answer, each with the one `Error` component, whose `code` enumerates every
code of core and of each app, so a generated client can switch on it."""

import importlib
from enum import StrEnum
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from stockscan.core.errors import ApiError, ErrorCode

STOCKSCAN = Path(__file__).resolve().parents[3] / "backend" / "stockscan"
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _codes(operation, status: int) -> set[str]:
    return set(operation["responses"].get(str(status), {}).get("x-error-codes", []))


def _code_enums() -> list[type[StrEnum]]:
    """Every StrEnum of codes, found on disk: core's and each app's `errors.py`."""
    enums = [ErrorCode]
    for path in sorted(STOCKSCAN.glob("*/errors.py")):
        module = importlib.import_module(f"stockscan.{path.parent.name}.errors")
        enums += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, StrEnum) and value.__module__ == module.__name__
        ]
    return enums


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def test_every_operation_lists_its_error_statuses_with_the_one_error_component(schema):
    for name, operation in _operations(schema):
        responses = operation["responses"]
        errors = {int(status) for status in responses if int(status) >= 400}
        assert 503 in errors and "DATABASE_UNAVAILABLE" in _codes(operation, 503), name
        if "requestBody" in operation:
            assert {400, 413} <= errors, name
        if any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
            assert 400 in errors, name
        if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
            assert 404 in errors, name
        if operation.get("security") and {} not in operation["security"]:
            assert 401 in errors, name
        for status in errors:
            response = responses[str(status)]
            assert response["content"] == {"application/json": {"schema": ERROR_REF}}, (name, status)
            assert response["x-error-codes"], (name, status)
            for code in response["x-error-codes"]:
                assert f"`{code}`" in response["description"], (name, status, code)


def test_the_error_component_has_code_detail_fields_and_the_documented_extras(schema):
    components = schema["components"]["schemas"]
    error = components["Error"]

    assert error["required"] == ["code", "detail"]
    assert error["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}
    assert error["properties"]["detail"]["type"] == "string"
    assert error["properties"]["fields"]["type"] == "object"
    assert {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}} in (
        error["properties"]["fields"]["additionalProperties"]["anyOf"]
    )
    assert {"retry_after", "limit", "used", "allowed", "feature", "plan"} <= set(error["properties"])
    assert components["ErrorCode"]["type"] == "string"


def test_the_code_enum_holds_every_code_of_core_and_of_every_app(schema):
    enum = set(schema["components"]["schemas"]["ErrorCode"]["enum"])

    enums = _code_enums()
    assert {e.__name__ for e in enums} >= {"ErrorCode", "AccountsErrorCode", "OrgsErrorCode", "InventoryErrorCode"}
    for code_enum in enums:
        assert {str(member) for member in code_enum} <= enum, code_enum
    # Every error class carries a code of one of these enums (none is a bare string).
    declared = {member for code_enum in enums for member in code_enum}
    for error_class in _subclasses(ApiError):
        assert error_class.error_code in declared, error_class
        assert isinstance(error_class.error_code, StrEnum), error_class


def test_spot_checks_of_statuses(schema):
    paths = schema["paths"]

    plans = paths["/api/plans/"]["get"]
    assert not {"401", "403", "404"} & set(plans["responses"]), "a public route answers no 401"
    product = paths["/api/products/{id}/"]["get"]
    assert "NOT_FOUND" in _codes(product, 404)
    assert "PERMISSION_DENIED" in _codes(product, 403)
    assert "NOT_AUTHENTICATED" in _codes(product, 401)
    login = paths["/api/auth/login/"]["post"]
    assert "THROTTLED" in _codes(login, 429)
    assert "INVALID_CREDENTIALS" in _codes(login, 401)
    assert "PAYLOAD_TOO_LARGE" in _codes(login, 413)
    assert "COUNT_CLOSED" in _codes(paths["/api/count-lines/{id}/"]["patch"], 409)
    assert "LIMIT_MAX_PRODUCTS" in _codes(paths["/api/products/"]["post"], 403)
    checkout = paths["/api/auth/billing/checkout/"]["post"]
    assert "BILLING_NOT_CONFIGURED" in _codes(checkout, 503)
    assert "STRIPE_ERROR" in _codes(checkout, 502)
    assert "SERVICE_REQUIRED" in _codes(paths["/api/export-excel/"]["get"], 400)
    # A tenant route answers 404 for another tenant's X-Tenant-Id, even without an id in its path.
    assert "NOT_FOUND" in _codes(paths["/api/auth/tenant/"]["get"], 404)
