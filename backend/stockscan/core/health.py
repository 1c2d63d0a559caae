import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

logger = logging.getLogger("stockscan.health")


@require_safe
def health(request):
    """Liveness and database check for the platform's health checker and the runbook."""
    body = {
        "status": "ok",
        "timestamp": timezone.now().isoformat(),
        "environment": settings.APP_ENVIRONMENT,
        "checks": {"database": "ok"},
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
