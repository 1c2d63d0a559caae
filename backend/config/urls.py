from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from stockscan.core import handlers
from stockscan.core.health import health
from stockscan.core.routing import route

api_patterns = [
    route("health/", health, "health"),
    path("auth/", include("stockscan.accounts.urls")),
    path("auth/", include("stockscan.orgs.urls")),
    path("auth/", include("stockscan.billing.urls")),
    path("", include("stockscan.inventory.urls")),
    path("", include("stockscan.mail.urls")),
    path("", include("stockscan.exports.urls")),
    route("schema/", SpectacularAPIView.as_view(), "schema"),
    route("docs/", SpectacularSwaggerView.as_view(url_name="schema"), "docs"),
]

urlpatterns = [
    route("health/", health, "health-root"),
    path("api/", include(api_patterns)),
    # Anything else under /api/ answers a JSON 404, in DEBUG too (never Django's HTML page).
    re_path(r"^api/", handlers.not_found, name="api-not-found"),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "stockscan.core.handlers.bad_request"
handler403 = "stockscan.core.handlers.permission_denied"
handler404 = "stockscan.core.handlers.not_found"
handler500 = "stockscan.core.handlers.server_error"
