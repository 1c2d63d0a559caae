import logging

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from stockscan.core.errors import ErrorCode, error_json_response
from stockscan.core.resilient_cache import ResilientRedisCache

logger = logging.getLogger("stockscan.health")


@csrf_exempt
def health(request):
    """Liveness and database check for the platform's health checker and the runbook. A
    Redis that does not answer is reported (`"cache": "degraded"`) but keeps the answer 200:
    the instance serves without it (stockscan.core.resilient_cache), so it stays in rotation."""
    if request.method not in ("GET", "HEAD"):
        response = error_json_response(ErrorCode.METHOD_NOT_ALLOWED, _("Method not allowed."), 405)
        response["Allow"] = "GET, HEAD"
        return response
    body = {
        "status": "ok",
        "timestamp": timezone.now().isoformat(),
        "environment": settings.APP_ENVIRONMENT,
        "checks": {"database": "ok", "cache": "ok" if _cache_reachable() else "degraded"},
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("Health check: database unreachable (%s)", exc.__class__.__name__)
        body["status"] = "error"
        body["checks"]["database"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)


def _cache_reachable() -> bool:
    cache = caches["default"]
    return cache.reachable() if isinstance(cache, ResilientRedisCache) else True
