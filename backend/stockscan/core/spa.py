"""The SPA's page: index.html of the build for `/` and the app's routes (the app's router reads
the path), with a Content-Security-Policy that lets only our own files run. The app's routes are
the first path segments the build lists in dist/routes.json (frontend/src/routes.ts): any other
path is a real 404. Without a build, the root opens the API docs."""

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from stockscan.core import handlers


def content_security_policy() -> str:
    connect = " ".join(["'self'", *settings.SPA_CONNECT_SRC.split()])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            f"connect-src {connect}",
            "font-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "media-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


@lru_cache(maxsize=4)
def _routes(path: Path, mtime: float) -> frozenset[str]:
    try:
        return frozenset(str(route) for route in json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return frozenset()


def app_routes(dist: Path) -> frozenset[str]:
    """The first path segments the build's router answers (re-read when a new build lands)."""
    listing = dist / "routes.json"
    try:
        return _routes(listing, listing.stat().st_mtime)
    except OSError:
        return frozenset()


@require_safe
def index(request, path=""):
    dist = Path(settings.SPA_DIST_DIR)
    page = dist / "index.html"
    if not page.is_file():
        if path == "":
            return HttpResponseRedirect("/api/docs/")
        return handlers.not_found(request)
    if path and path.split("/", 1)[0] not in app_routes(dist):
        return handlers.not_found(request)
    response = FileResponse(page.open("rb"), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = content_security_policy()
    return response
