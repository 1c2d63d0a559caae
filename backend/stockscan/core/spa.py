"""The SPA's page: index.html of the build for `/` and every client route (the app's router
reads the path), with a Content-Security-Policy that lets only our own files run. Without a
build, the root opens the API docs and other paths answer 404."""

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


@require_safe
def index(request, path=""):
    page = settings.SPA_DIST_DIR / "index.html"
    if not page.is_file():
        if path == "":
            return HttpResponseRedirect("/api/docs/")
        return handlers.not_found(request)
    response = FileResponse(page.open("rb"), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = content_security_policy()
    return response
