"""The Django admin: where it is served (DJANGO_ADMIN_URL) and django-axes' lockout of its login
(keyed on the username and the client address; stockscan.accounts.admin_lockout). The API's own
login is left to its failure budgets (stockscan.accounts.throttles). DEPLOYMENT.md says how to
put a second factor or an address allow-list in front of the admin."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from config import env

ADMIN_URL = env.string("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
if ADMIN_URL == "/" or ADMIN_URL.split("/", 1)[0] in {"api", "health", "static"}:
    raise ImproperlyConfigured(f"DJANGO_ADMIN_URL must be a path of its own, such as 'staff-7f3k/', not {ADMIN_URL!r}.")

AXES_HANDLER = "stockscan.accounts.admin_lockout.AdminLoginHandler"
AXES_ONLY_ADMIN_SITE = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.integer("ADMIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("ADMIN_LOGIN_LOCKOUT_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "stockscan.accounts.admin_lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "stockscan.accounts.throttles.client_address"
AXES_CLIENT_STR_CALLABLE = "stockscan.accounts.admin_lockout.client_description"
