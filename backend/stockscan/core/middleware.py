from django.conf import settings
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from stockscan.core.errors import ErrorCode, error_json_response


class RequestBodyLimitMiddleware:
    """Refuses oversized bodies with 413 before anything reads them.

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` is read, but DRF's
    parsers read the stream directly, so the limit is enforced here from Content-Length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_json_response(ErrorCode.VALIDATION_ERROR, _("Invalid Content-Length header."), 400)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return error_json_response(
                ErrorCode.PAYLOAD_TOO_LARGE,
                _("The request body is too large."),
                413,
                max_bytes=limit,
            )
        return self.get_response(request)


class QueryNulMiddleware:
    """Refuses a NUL character in any query parameter of an API request (400, the parameter
    named). PostgreSQL cannot hold NUL in text, so `?search=%00` reaching a query would fail
    in the database driver (a 500) wherever a view filters on a parameter; one check here
    covers every view and every parameter."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return error_json_response(
                        ErrorCode.VALIDATION_ERROR,
                        _("Invalid input."),
                        400,
                        fields={name.replace("\x00", ""): [_("Null characters are not allowed.")]},
                    )
        return self.get_response(request)


class AdminScopesMiddleware:
    """Staff in the Django admin work across tenants; API views activate their tenant scope
    themselves (see orgs.tenancy.views), so only the admin runs with scopes disabled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(f"/{settings.ADMIN_URL}"):
            with scopes_disabled():
                return self.get_response(request)
        return self.get_response(request)
