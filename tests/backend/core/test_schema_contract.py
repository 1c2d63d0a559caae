"""The schema says what the server enforces: required parameters where the server answers
SERVICE_REQUIRED, the one-of parameters described, the YYYY-MM pattern on every month,
nullable fields marked nullable, and English titles whatever the request's language."""

import json
import re

import pytest
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from stockscan.core.months import MONTH_PATTERN, InvalidMonth, parse_month
from stockscan.core.schema import SchemaGenerator as EnglishSchemaGenerator

MONTH_NAMES = {"month", "previous_month", "from", "to"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return EnglishSchemaGenerator().get_schema(request=None, public=True)


def _parameter(schema, path, method, name) -> dict:
    parameters = schema["paths"][path][method].get("parameters", [])
    return next(parameter for parameter in parameters if parameter["name"] == name)


def _properties(node, where=""):
    """Every (where, name, property schema) of the schema's objects."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield where, name, prop
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}/{index}")


def test_the_service_is_required_where_the_server_answers_service_required(schema):
    for path, method in [
        ("/api/export-excel/", "get"),
        ("/api/categories/", "post"),
        ("/api/products/", "post"),
        ("/api/counts/", "post"),
    ]:
        service = _parameter(schema, path, method, "service")
        assert service.get("required") is True, (path, method)
        assert "SERVICE_REQUIRED" in service["description"], (path, method)


def test_count_lines_say_that_count_or_month_is_required(schema):
    for name in ("count", "month"):
        parameter = _parameter(schema, "/api/count-lines/", "get", name)
        assert "required" in parameter["description"], name
    assert "COUNT_REQUIRED" in _parameter(schema, "/api/count-lines/", "get", "count")["description"]


def test_every_month_parameter_and_field_has_the_month_pattern(schema):
    checked = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in MONTH_NAMES and parameter["in"] == "query":
                    assert parameter["schema"].get("pattern") == MONTH_PATTERN, (method, path, parameter["name"])
                    checked += 1
    for where, name, prop in _properties(schema["components"]):
        if name in MONTH_NAMES and prop.get("type") == "string":
            assert prop.get("pattern") == MONTH_PATTERN, (where, name)
            checked += 1
    assert checked >= 12, "too few months found: is the schema generated?"


def test_the_month_pattern_is_what_parse_month_accepts():
    for text in ("2000-01", "2026-03", "2100-12", "1999-12", "2101-01", "2026-13", "2026-00", "26-03"):
        try:
            parse_month(text)
            accepted = True
        except InvalidMonth:
            accepted = False
        assert bool(re.match(MONTH_PATTERN, text)) is accepted, text


def test_the_activity_feed_is_documented_as_the_page_it_answers(schema):
    ok = schema["paths"]["/api/activity/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Activity"}


def test_login_says_username_or_email(schema):
    login = schema["components"]["schemas"]["LoginRequest"]
    assert "One of `username` or `email` is required" in login["description"]
    assert "password" in login["required"]
    assert "username" not in login.get("required", [])


def test_a_membership_or_invitation_service_is_nullable(schema):
    components = schema["components"]["schemas"]
    for component in ("Membership", "Invitation"):
        assert components[component]["properties"]["service"]["nullable"] is True, component
        assert components[component]["properties"]["service_name"]["nullable"] is True, component


def test_count_line_quantities_are_described(schema):
    components = schema["components"]["schemas"]
    for component in ("CountLine", "CountLineCreateRequest"):
        properties = components[component]["properties"]
        assert "what is left" in properties["remaining_fraction"]["description"], component
        assert "what is left" in properties["remaining_quantity"]["description"], component
        assert "counted" in properties["quantity"]["description"], component


@pytest.mark.django_db
def test_the_schema_is_in_english_whatever_the_request_language(workspace):
    response = APIClient().get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    schema = json.loads(response.content)
    user = schema["components"]["schemas"]["User"]["properties"]
    assert user["email"]["title"] == "Email address"
    assert "Nom" not in response.content.decode()


def test_the_spectacular_command_writes_english_under_a_french_locale(tmp_path):
    target = tmp_path / "schema.json"
    with translation.override("fr"):
        call_command("spectacular", "--file", str(target), "--format", "openapi-json")

    schema = json.loads(target.read_text())
    assert schema["components"]["schemas"]["User"]["properties"]["email"]["title"] == "Email address"
