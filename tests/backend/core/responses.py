"""Assertions on the API's answers, shared by the core test modules."""

import io

import openpyxl
from rest_framework.test import APIClient

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def assert_json(response, *, outside_failure: int | None = None) -> dict | list:
    """Every answer of the API is JSON and never a server error; `outside_failure` (502, 503)
    is the one 5xx expected: an outside service failed or is not configured."""
    assert response.status_code < 500 or response.status_code == outside_failure, (
        f"{response.status_code}: {response.content[:500]!r}"
    )
    content_type = response.get("Content-Type", "")
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with {content_type!r}: {response.content[:200]!r}"
    )
    return response.json()


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape: {"code": "UPPER_SNAKE", "detail": "sentence", ...}."""
    body = assert_json(response, outside_failure=status if status in (502, 503) else None)
    assert (response.status_code, body.get("code")) == (status, code), body
    assert isinstance(body.get("detail"), str), body
    assert body["detail"].strip(), body
    return body


def send(client: APIClient, method: str, url: str, body: dict | None = None, **extra):
    """A JSON request; GET and DELETE carry no body."""
    call = getattr(client, method.lower())
    if method in ("GET", "DELETE", "HEAD", "OPTIONS"):
        return call(url, **extra)
    return call(url, body or {}, format="json", **extra)


def answer_content(response):
    """What an answer says, to compare two answers: the JSON body, or the cells of a file
    (an XLSX file's bytes hold the time it was written)."""
    if not response.streaming:
        return response.json()
    body = b"".join(response.streaming_content)
    if response["Content-Type"] == XLSX_TYPE:
        workbook = openpyxl.load_workbook(io.BytesIO(body))
        return {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}
    return body.decode("utf-8")
