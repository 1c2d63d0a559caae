"""Production (DJANGO_DEBUG not true): refuse to start on missing secrets, and harden HTTP.

Every missing or unsafe variable is named in one message, so a deploy fails once with the
whole list rather than once per variable.
"""

from config import env

_debug = env.boolean("DJANGO_DEBUG", default=False)

MINIMUM_SECRET_KEY_LENGTH = 50


def production_configuration_problems() -> list[str]:
    problems = []
    secret_key = env.string("DJANGO_SECRET_KEY", "")
    if not secret_key:
        problems.append("DJANGO_SECRET_KEY is missing")
    elif len(secret_key) < MINIMUM_SECRET_KEY_LENGTH or secret_key.startswith("django-insecure"):
        problems.append(f"DJANGO_SECRET_KEY must be a random value of at least {MINIMUM_SECRET_KEY_LENGTH} characters")
    if not env.listing("DJANGO_ALLOWED_HOSTS"):
        problems.append("DJANGO_ALLOWED_HOSTS is missing")
    if not env.string("DATABASE_URL", ""):
        problems.append("DATABASE_URL is missing")
    if not env.string("FRONTEND_URL", ""):
        problems.append("FRONTEND_URL is missing")
    return problems


if not _debug:
    _problems = production_configuration_problems()
    if _problems:
        raise env.ProductionConfigurationError(
            "StockScan cannot start in production mode (DJANGO_DEBUG is not true): " + "; ".join(_problems) + "."
        )

    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=True)
    # The platform's health checker calls over plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^api/health/?$"]
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
