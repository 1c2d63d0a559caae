"""Whatever the query string holds, the export routes answer a 4xx in the JSON error format,
never a 500 and never a file, and use no quota."""

import pytest

from stockscan.entitlements.plans import Metric
from tests.backend.core.responses import assert_error
from tests.backend.exports.conftest import EXPORT_EXCEL, EXPORTS, quota_used

pytestmark = pytest.mark.django_db

OCTOBER = {"from": "2026-10", "to": "2026-10"}


def _exports(**params):
    return lambda stock: (EXPORTS, {"format": "xlsx", **OCTOBER, **params})


def _month_route(**params):
    return lambda stock: (EXPORT_EXCEL, {"service": stock.ws.bar.pk, **params})


BAD_REQUESTS = [
    # months
    pytest.param(_exports(**{"from": "2026-13"}), 400, "INVALID_MONTH", "from", id="month-13"),
    pytest.param(_exports(**{"from": "2026/10"}), 400, "INVALID_MONTH", "from", id="month-slash"),
    pytest.param(_exports(to="abc"), 400, "INVALID_MONTH", "to", id="to-not-a-month"),
    pytest.param(_exports(to="2026-1"), 400, "INVALID_MONTH", "to", id="to-one-digit"),
    pytest.param(_exports(**{"from": "1999-12"}), 400, "INVALID_MONTH", "from", id="month-out-of-range"),
    pytest.param(
        _exports(**{"from": "2026-11", "to": "2026-10"}), 400, "INVALID_MONTH_RANGE", None, id="from-after-to"
    ),
    pytest.param(_exports(**{"from": "2024-10", "to": "2026-10"}), 400, "MONTH_RANGE_TOO_LONG", None, id="25-months"),
    # format, mode, separator
    pytest.param(lambda stock: (EXPORTS, OCTOBER), 400, "VALIDATION_ERROR", "format", id="no-format"),
    pytest.param(_exports(format="pdf"), 400, "VALIDATION_ERROR", "format", id="unknown-format"),
    pytest.param(_exports(format="XLSX"), 400, "VALIDATION_ERROR", "format", id="format-upper-case"),
    pytest.param(_exports(mode="half"), 400, "VALIDATION_ERROR", "mode", id="unknown-mode"),
    pytest.param(_exports(sep="|"), 400, "VALIDATION_ERROR", "sep", id="unknown-separator"),
    # services
    pytest.param(
        lambda stock: (EXPORTS, {"format": "csv", "service": stock.other.bar.pk}),
        404,
        "NOT_FOUND",
        None,
        id="foreign-service",
    ),
    pytest.param(_exports(service="abc"), 404, "NOT_FOUND", None, id="service-not-a-number"),
    pytest.param(_exports(service="9" * 30), 404, "NOT_FOUND", None, id="service-huge"),
    pytest.param(_exports(service="-1"), 404, "NOT_FOUND", None, id="service-negative"),
    # a GET only downloads: asking it to email is refused, not downloaded
    pytest.param(_exports(email="owner@example.test"), 400, "EMAIL_NEEDS_POST", None, id="get-with-email"),
    pytest.param(_exports(message="Bonjour"), 400, "EMAIL_NEEDS_POST", None, id="get-with-message"),
    pytest.param(_month_route(email="owner@example.test"), 400, "EMAIL_NEEDS_POST", None, id="month-route-email"),
    # the month route
    pytest.param(_month_route(month="2026-13"), 400, "INVALID_MONTH", None, id="month-route-bad-month"),
    pytest.param(_month_route(format="csv"), 400, "VALIDATION_ERROR", "format", id="month-route-csv"),
    pytest.param(lambda stock: (EXPORT_EXCEL, {}), 400, "SERVICE_REQUIRED", None, id="month-route-no-service"),
    pytest.param(
        lambda stock: (EXPORT_EXCEL, {"service": stock.other.kitchen.pk}),
        404,
        "NOT_FOUND",
        None,
        id="month-route-foreign-service",
    ),
    pytest.param(
        lambda stock: (EXPORT_EXCEL, {"service": "1.5"}), 404, "NOT_FOUND", None, id="month-route-service-decimal"
    ),
]


@pytest.mark.parametrize(("request_for", "status", "code", "field"), BAD_REQUESTS)
def test_bad_input_is_a_json_4xx(stock, request_for, status, code, field):
    url, params = request_for(stock)

    response = stock.client().get(url, params)

    body = assert_error(response, status, code)
    if field is not None:
        assert field in body["fields"], body
    assert quota_used(stock.ws.tenant, Metric.EXPORT_CSV) == 0
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0


def test_twenty_four_months_is_the_longest_range(stock):
    response = stock.client().get(EXPORTS, {"format": "csv", "from": "2024-11", "to": "2026-10"})

    assert response.status_code == 200
    b"".join(response.streaming_content)


BAD_BODIES = [
    pytest.param({"email": "nobody"}, 400, "VALIDATION_ERROR", "email", id="email-not-an-address"),
    pytest.param({"email": " , ;"}, 400, "VALIDATION_ERROR", "email", id="email-only-separators"),
    pytest.param(
        {"email": ",".join(f"m{i}@example.test" for i in range(6))},
        400,
        "VALIDATION_ERROR",
        "email",
        id="email-six-addresses",
    ),
    pytest.param({"email": "x" * 1001}, 400, "VALIDATION_ERROR", "email", id="email-too-long"),
    pytest.param({"email": ["owner@example.test"]}, 400, "VALIDATION_ERROR", "email", id="email-a-list"),
    pytest.param({"email": None}, 400, "VALIDATION_ERROR", "email", id="email-null"),
    pytest.param({"email": "owner@example.test", "format": "pdf"}, 400, "VALIDATION_ERROR", "format", id="pdf"),
    pytest.param({"email": "owner@example.test", "from": "2026-13"}, 400, "INVALID_MONTH", None, id="month-13"),
    pytest.param({"email": "owner@example.test", "from": ["2026-10"]}, 400, "VALIDATION_ERROR", "from", id="list"),
    pytest.param({"email": "owner@example.test", "mode": "half"}, 400, "VALIDATION_ERROR", "mode", id="bad-mode"),
    pytest.param({"email": "stranger@example.test"}, 400, "RECIPIENT_NOT_ALLOWED", "email", id="not-a-member"),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_BODIES)
def test_a_bad_emailed_export_is_a_json_4xx_and_uses_no_quota(stock, body, status, code, field):
    response = stock.client().post(EXPORTS, {"format": "xlsx", **OCTOBER, **body}, format="json")

    result = assert_error(response, status, code)
    if field is not None:
        assert field in result["fields"], result
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0


@pytest.mark.parametrize(
    ("method", "url"),
    [
        *[(m, EXPORTS) for m in ["put", "patch", "delete"]],
        *[(m, EXPORT_EXCEL) for m in ["post", "put", "patch", "delete"]],
    ],
)
def test_exports_are_read_only(stock, method, url):
    response = getattr(stock.client(), method)(url, {}, format="json")

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
