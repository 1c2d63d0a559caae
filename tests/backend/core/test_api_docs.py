"""The API docs (Swagger UI at /api/docs/) load nothing from another origin: the page runs on
the API's origin, where an outside script could read what the API answers."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DOCS = "/api/docs/"
OUTSIDE_ORIGIN = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)


def test_the_docs_page_loads_only_our_own_files(workspace):
    response = APIClient().get(DOCS)

    assert response.status_code == 200
    html = response.content.decode()
    assert not OUTSIDE_ORIGIN.search(html), html
    assert "cdn" not in html.lower()
    scripts = re.findall(r"""<script[^>]*src=["']([^"']+)""", html)
    assert len(scripts) == 3, html
    assert all(src.startswith("/") for src in _references(html)), _references(html)
    assert "<script>" not in html, "an inline script needs 'unsafe-inline'"
    for reference in _references(html):
        if reference.startswith(settings.STATIC_URL):
            assert finders.find(reference.removeprefix(settings.STATIC_URL)), reference
        else:
            assert APIClient().get(reference).status_code == 200, reference


def test_the_docs_page_forbids_every_other_origin(workspace):
    policy = APIClient().get(DOCS)["Content-Security-Policy"]

    directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    sources = {source for value in directives.values() for source in value.split()}
    assert sources <= {"'self'", "'none'", "'unsafe-inline'", "data:"}, policy


def test_the_docs_start_up_script_asks_our_schema(workspace):
    response = APIClient().get(DOCS, {"script": ""})

    assert response.status_code == 200
    script = response.content.decode()
    assert re.search(r"url: \"/api/schema/?\"", script), script
    assert not re.search(r"https?://", script), script
