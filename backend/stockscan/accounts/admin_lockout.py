"""django-axes on the Django admin's login only (settings: AXES_*).

Axes' backend (first in AUTHENTICATION_BACKENDS) sees every `authenticate()` call, the API
login's too; with AXES_ONLY_ADMIN_SITE it lets every non-admin request through without a query,
and this handler records nothing for them either: the API login keeps its own failure budgets
(`throttles.LoginGuard`) and never feeds or hits an admin lockout.
"""

import hashlib
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username

logger = logging.getLogger("stockscan.accounts")


def lockout_username(request, credentials) -> str:
    """The admin form's username, as the login matches it (case and spaces aside)."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    return str(source.get("username") or "").strip().lower()


def masked_username(username: str) -> str:
    """Enough to tell attempts apart in the log, never the username itself."""
    return f"user#{hashlib.sha256(username.encode()).hexdigest()[:10]}" if username else "user#none"


def client_description(username, ip_address, user_agent, path_info, request) -> str:
    return f"{masked_username(username or '')} from {ip_address}"


class AdminLoginHandler(AxesDatabaseHandler):
    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None or not self.is_admin_request(request):
            return None
        result = super().user_login_failed(sender, credentials, request, **kwargs)
        if getattr(request, "axes_locked_out", False):
            logger.warning(
                "Admin login locked out after %s failures: %s",
                request.axes_failures_since_start,
                client_description(get_client_username(request, credentials), request.axes_ip_address, "", "", None),
            )
        return result

    def user_logged_in(self, sender, request, user, **kwargs):
        if request is None or not self.is_admin_request(request):
            return None
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        if request is None or not self.is_admin_request(request):
            return None
        return super().user_logged_out(sender, request, user, **kwargs)
