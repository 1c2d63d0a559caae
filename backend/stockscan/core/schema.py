"""The OpenAPI schema as the contract a typed client is generated from: every operation lists
the error statuses it can answer, each answered with the one `Error` component (the shape of
`core.errors.api_exception_handler`), whose `code` enumerates every code the API can answer.

The statuses are derived from what the view declares, once, here:

- 400 when the operation reads a body or query parameters (413 and 415 with a body too);
- 401 when the view authenticates (a bad token is refused even on a public route that reads
  one), with NOT_AUTHENTICATED when a permission class needs a user;
- 403 when a permission class other than AllowAny/IsAuthenticated can refuse, or the view
  declares role `permissions` (the tenant views);
- 404 when the path names an object;
- 429 when the view has throttle classes;
- 503 DATABASE_UNAVAILABLE for every operation.

A view adds the codes only it answers with `error_codes`: a list for all its operations, or a
dict keyed like `permissions` (viewset action or HTTP method). Each item is an `ApiError`
subclass (its status and code) or a `(status, code)` pair. Declarations add up along the
class hierarchy (a base view's codes are its subclasses' too).

core imports no app: the codes are found in each installed app's `errors` module (its
`StrEnum` of codes), so a new app's codes are in the schema the day it declares them.
"""

import importlib
from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise
from drf_spectacular.generators import SchemaGenerator as SpectacularSchemaGenerator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated

from stockscan.core.errors import ApiError, ErrorCode

ErrorDeclaration = type[ApiError] | tuple[int, StrEnum | str]

_STATUS_TITLES = {
    400: "Invalid input",
    401: "Not authenticated",
    403: "Not allowed (role, plan or limit)",
    404: "Not found (including another tenant's objects)",
    409: "Conflict with the current state",
    410: "Gone",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Too many requests (see `retry_after` and the Retry-After header)",
    502: "An outside service failed",
    503: "Temporarily unavailable",
}

# Permission classes that refuse nobody once a user is known.
_NEVER_FORBIDDEN = (AllowAny, IsAuthenticated)


def error_code_enums() -> list[type[StrEnum]]:
    """core's `ErrorCode` and the `StrEnum` of codes each installed app declares in its
    `errors` module."""
    enums: dict[type[StrEnum], None] = {ErrorCode: None}
    for config in apps.get_app_configs():
        if not config.name.startswith("stockscan."):
            continue
        name = f"{config.name}.errors"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, StrEnum)
                and value is not StrEnum
                and value.__module__ == module.__name__
            ):
                enums[value] = None
    return list(enums)


def all_error_codes() -> list[str]:
    return sorted({str(member) for enum in error_code_enums() for member in enum})


def error_schema() -> dict:
    """The body of every error answer (`core.errors.api_exception_handler`)."""
    integer = {"type": "integer"}
    return {
        "type": "object",
        "description": "Every error answer. `detail` is a translated sentence for people; `code` is for programs.",
        "properties": {
            "code": {"$ref": "#/components/schemas/ErrorCode"},
            "detail": {"type": "string"},
            "fields": {
                "type": "object",
                "description": "VALIDATION_ERROR: the messages of each invalid field (`non_field_errors` for the "
                "body as a whole). A field holding an object has an object of its own fields' messages instead; "
                "a list of objects (e.g. `extra_services`) has one object of field messages per item, or an "
                "object keyed by the index of each invalid item.",
                "additionalProperties": {
                    "anyOf": [
                        {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                        {"type": "object"},
                    ]
                },
            },
            "retry_after": {**integer, "description": "429: seconds to wait before trying again."},
            "limit": {**integer, "nullable": True, "description": "The plan's limit that was reached (null: none)."},
            "used": {**integer, "nullable": True, "description": "How much of the limit is used."},
            "allowed": {"type": "array", "items": {"type": "string"}, "description": "The values accepted."},
            "feature": {"type": "string", "description": "FEATURE_NOT_INCLUDED: the feature the plan lacks."},
            "plan": {"type": "string", "description": "FEATURE_NOT_INCLUDED: the tenant's current plan."},
            "invitation": {**integer, "description": "INVITE_ALREADY_SENT: the pending invitation's id."},
            "max_bytes": {**integer, "description": "PAYLOAD_TOO_LARGE: the largest body accepted."},
            "max_months": {**integer, "description": "MONTH_RANGE_TOO_LONG: the most months an export covers."},
            "stripe_request_id": {
                "type": "string",
                "nullable": True,
                "description": "STRIPE_ERROR: Stripe's id of the failed call, for support.",
            },
        },
        "required": ["code", "detail"],
    }


def declared_errors(view, *, action: str | None, method: str) -> list[tuple[int, str]]:
    """The `(status, code)` pairs the view's `error_codes` declare for this operation, along
    its class hierarchy."""
    found: list[tuple[int, str]] = []
    for cls in reversed(type(view).__mro__):
        declared = vars(cls).get("error_codes")
        if not declared:
            continue
        items: Iterable = declared
        if isinstance(declared, dict):
            items = [*(declared.get(action, ()) if action else ()), *declared.get(method, ())]
        found.extend(_status_and_code(item) for item in items)
    return found


def _status_and_code(item: ErrorDeclaration) -> tuple[int, str]:
    if isinstance(item, type) and issubclass(item, ApiError):
        return item.status_code, str(item.error_code)
    status_code, code = item
    return int(status_code), str(code)


class SchemaGenerator(SpectacularSchemaGenerator):
    """The schema is written in English whatever the request's Accept-Language (or the
    `spectacular` command's LANGUAGE_CODE): model verbose names are translated, and a client
    generated from a French schema would carry French titles. The lazy strings are resolved
    inside the English override, not when the schema is rendered."""

    def get_schema(self, request=None, public=False):
        with translation.override("en"):
            return _resolved(super().get_schema(request=request, public=public))


def _resolved(value):
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {_resolved(key): _resolved(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_resolved(item) for item in value)
    return value


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, with the error answers of each operation."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        reference = self._error_component()
        for status_code, codes in sorted(self.error_statuses(operation).items()):
            title = _STATUS_TITLES.get(status_code, "Error")
            listed = ", ".join(f"`{code}`" for code in sorted(codes))
            operation["responses"].setdefault(
                str(status_code),
                {
                    "description": f"{title}. `code`: {listed}.",
                    "content": {"application/json": {"schema": reference}},
                    "x-error-codes": sorted(codes),
                },
            )
        return operation

    def _error_component(self) -> dict:
        codes = ResolvedComponent(
            name="ErrorCode",
            type=ResolvedComponent.SCHEMA,
            object="ErrorCode",
            schema={
                "type": "string",
                "enum": all_error_codes(),
                "description": "Every code the API answers (core's and each app's `errors.py`).",
            },
        )
        self.registry.register_on_missing(codes)
        error = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=error_schema())
        self.registry.register_on_missing(error)
        return error.ref

    def error_statuses(self, operation: dict) -> dict[int, set[str]]:
        view = self.view
        codes: dict[int, set[str]] = defaultdict(set)
        codes[status.HTTP_503_SERVICE_UNAVAILABLE].add(ErrorCode.DATABASE_UNAVAILABLE)
        parameters = operation.get("parameters", [])
        if "requestBody" in operation:
            codes[400] |= {ErrorCode.VALIDATION_ERROR, ErrorCode.MALFORMED_JSON}
            codes[413].add(ErrorCode.PAYLOAD_TOO_LARGE)
            codes[415].add(ErrorCode.UNSUPPORTED_MEDIA_TYPE)
        if any(parameter["in"] == "query" for parameter in parameters):
            codes[400].add(ErrorCode.VALIDATION_ERROR)
        if any(parameter["in"] == "path" for parameter in parameters):
            codes[404].add(ErrorCode.NOT_FOUND)
        permission_classes = list(getattr(view, "permission_classes", ()))
        if getattr(view, "authentication_classes", ()):
            codes[401] |= {ErrorCode.AUTHENTICATION_FAILED, ErrorCode.TOKEN_INVALID}
            if any(isinstance(cls, type) and issubclass(cls, IsAuthenticated) for cls in permission_classes):
                codes[401].add(ErrorCode.NOT_AUTHENTICATED)
        if getattr(view, "permissions", None) or any(
            not (isinstance(cls, type) and issubclass(cls, _NEVER_FORBIDDEN)) for cls in permission_classes
        ):
            codes[403].add(ErrorCode.PERMISSION_DENIED)
        if getattr(view, "throttle_classes", ()):
            codes[429].add(ErrorCode.THROTTLED)
        for status_code, code in declared_errors(view, action=getattr(view, "action", None), method=self.method):
            codes[status_code].add(code)
        return codes
