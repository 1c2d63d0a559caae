import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from stockscan.billing.api import PlansView
from stockscan.core import handlers, spa
from stockscan.core.api_docs import SwaggerUIView
from stockscan.core.health import health
from stockscan.core.routing import route
from stockscan.orgs.api import ActivityView

api_patterns = [
    route("health/", health, "health"),
    path("auth/", include("stockscan.accounts.urls")),
    path("auth/", include("stockscan.orgs.urls")),
    path("auth/", include("stockscan.billing.urls")),
    route("plans/", PlansView.as_view(), "plans"),
    route("activity/", ActivityView.as_view(), "activity"),
    path("", include("stockscan.inventory.urls")),
    path("", include("stockscan.mail.urls")),
    path("", include("stockscan.exports.urls")),
    path("", include("stockscan.assistant.urls")),
    path("", include("stockscan.credits.urls")),
    route("schema/", SpectacularAPIView.as_view(), "schema"),
    route("docs/", SwaggerUIView.as_view(url_name="schema"), "docs"),
]

urlpatterns = [
    # The SPA (its build, see config/settings/spa.py); without a build, the API's documentation.
    path("", spa.index, name="root"),
    route("health/", health, "health-root"),
    path("api/", include(api_patterns)),
    # Anything else under /api/ answers a JSON 404, in DEBUG too (never Django's HTML page).
    re_path(r"^api/", handlers.not_found, name="api-not-found"),
    path(settings.ADMIN_URL, admin.site.urls),
    # Every other path is a route of the SPA: its index.html (the files themselves are WhiteNoise's).
    re_path(
        rf"^(?!api/|{re.escape(settings.ADMIN_URL)}|health|static/)(?P<path>.+)$",
        spa.index,
        name="spa",
    ),
]

handler400 = "stockscan.core.handlers.bad_request"
handler403 = "stockscan.core.handlers.permission_denied"
handler404 = "stockscan.core.handlers.not_found"
handler500 = "stockscan.core.handlers.server_error"
