"""JSON answers for errors raised outside DRF views (unknown paths, Django-level failures)."""

import sys

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from stockscan.core.errors import ErrorCode, database_unavailable, database_unavailable_body, error_json_response


# The API authenticates with bearer tokens, never cookies: no CSRF check on its answers.
@csrf_exempt
def not_found(request, exception=None):
    return error_json_response(ErrorCode.NOT_FOUND, _("Not found."), 404)


def bad_request(request, exception=None):
    return error_json_response(ErrorCode.VALIDATION_ERROR, _("Bad request."), 400)


def permission_denied(request, exception=None):
    return error_json_response(
        ErrorCode.PERMISSION_DENIED, _("You do not have permission to perform this action."), 403
    )


def server_error(request):
    # Django calls this handler while handling the exception (outside DRF: the admin…).
    exc = sys.exc_info()[1]
    if exc is not None and database_unavailable(exc):
        return JsonResponse(database_unavailable_body(), status=503)
    return error_json_response(ErrorCode.INTERNAL_ERROR, _("An unexpected error occurred. It has been logged."), 500)


def csrf_failure(request, reason=""):
    return error_json_response(ErrorCode.PERMISSION_DENIED, _("CSRF verification failed."), 403)
