"""The API's browsable documentation (Swagger UI), served from our own static files.

The page runs on the API's own origin, where a script from elsewhere could read the
responses it asks for: it loads nothing from another origin (drf-spectacular-sidecar's copy
of Swagger UI, its start-up script served by this view rather than inline), and its
Content-Security-Policy forbids any other origin. Django 5.2 has no CSP support of its own.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView

# Swagger UI's stylesheet has an inline block in drf-spectacular's page and its components set
# style attributes; its icons are data: URIs. Nothing else runs or loads but our own files.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SwaggerUIView(SpectacularSwaggerSplitView):
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response
