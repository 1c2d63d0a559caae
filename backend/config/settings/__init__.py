"""StockScan settings: one module read from the environment (see .env.example).

Per-integration parts (CORS, email, Stripe billing, production security) live in small modules beside this
one and are imported at the end, so each integration is switched on by its own variables.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import env

env.load_dotenv_for_development()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
REPO_ROOT = BASE_DIR.parent

DEBUG = env.boolean("DJANGO_DEBUG", default=True)
APP_ENVIRONMENT = env.string("APP_ENVIRONMENT", "development" if DEBUG else "production")

# A development-only key: production refuses to start with it (see production.py).
DEVELOPMENT_SECRET_KEY = "django-insecure-stockscan-development-only-key"
SECRET_KEY = env.string("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)

ALLOWED_HOSTS = env.listing("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "stockscan.core",
    "stockscan.accounts",
    "stockscan.orgs",
    "stockscan.entitlements",
    "stockscan.billing",
    "stockscan.inventory",
    "stockscan.mail",
    "stockscan.exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "stockscan.core.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "stockscan.core.middleware.QueryNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stockscan.core.middleware.AdminScopesMiddleware",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "stockscan.core.handlers.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: embedded SQLite by default, PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.boolean(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # PostgreSQL plans a query seen twice on a connection once, instead of on every request
    # (the month's page: about +40% requests/s, scripts/bench/inventory.py). A pooler in
    # transaction mode (PgBouncer) cannot keep a connection's statements: turn it off there.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": 2,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttles, locks, per-tenant caches): local memory by default, Redis through REDIS_URL.
REDIS_URL = env.string("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "stockscan.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.string("CACHE_KEY_PREFIX", "stockscan"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "stockscan",
        }
    }
# How long a request's tenant context (user, membership, tenant, plan rows, services) may be
# served from the cache (stockscan.orgs.tenancy.context_cache); 0 turns it off. Every process must
# share the cache, so it is off by default without Redis.
TENANT_CONTEXT_CACHE_SECONDS = env.integer("TENANT_CONTEXT_CACHE_SECONDS", 60 if REDIS_URL else 0)

# --- Background tasks (Django Tasks API; the django-tasks backport on 5.2). "immediate" runs
# a task inside the request that queued it (development, tests); "database" stores it for the
# worker (`manage.py db_worker`, the Procfile's `worker:`), the production default.
TASKS_BACKEND = env.string("TASKS_BACKEND", "immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["stockscan.accounts.backends.UsernameOrEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.integer("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)

# --- Languages: French first, English second; `Accept-Language` picks.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Bodies larger than this are refused with 413 before any parsing (imports come later, as files).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("MAX_REQUEST_BODY_BYTES", 1024 * 1024)

# Plans: a new tenant's trial of the paid plan, and how long a past-due subscription keeps it.
TRIAL_DAYS = env.integer("TRIAL_DAYS", 14)
BILLING_GRACE_DAYS = env.integer("BILLING_GRACE_DAYS", 7)

FRONTEND_URL = env.string("FRONTEND_URL", "http://localhost:5173").rstrip("/")

# Render (and most PaaS) put one proxy in front of the app: only the address that proxy saw
# is trusted, so a client cannot choose its throttle bucket with a forged X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", 0)

REST_FRAMEWORK = {
    # simplejwt's bearer tokens, the user read from the tenant context cache when it holds it.
    "DEFAULT_AUTHENTICATION_CLASSES": ["stockscan.orgs.tenancy.authentication.CachedContextJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["stockscan.core.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "stockscan.core.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "stockscan.core.errors.api_exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env.string("LOGIN_THROTTLE_RATE_IP", "30/min"),
        "login_username": env.string("LOGIN_THROTTLE_RATE_USERNAME", "10/min"),
        "password_reset_ip": env.string("PASSWORD_RESET_THROTTLE_RATE_IP", "10/hour"),
        "password_reset_email": env.string("PASSWORD_RESET_THROTTLE_RATE_EMAIL", "5/hour"),
        "register_ip": env.string("REGISTER_THROTTLE_RATE_IP", "20/hour"),
        "invitation_ip": env.string("INVITATION_THROTTLE_RATE_IP", "60/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.integer("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.integer("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Access tokens carry a digest of the password hash: changing the password revokes them.
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "StockScan API",
    "DESCRIPTION": "Stock counts, losses, stock value, exports, alerts and credit book for small businesses.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "stockscan.orgs.models.Role",
        "ServiceTypeEnum": "stockscan.orgs.presets.ServiceType",
        "BusinessTypeEnum": "stockscan.orgs.models.BusinessType",
        "LanguageEnum": "config.settings.LANGUAGES",
        "MembershipStatusEnum": "stockscan.orgs.models.MembershipStatus",
        "InvitationStatusEnum": "stockscan.orgs.models.InvitationStatus",
        "InvitationEmailStatusEnum": "stockscan.orgs.serializers.EMAIL_STATUS_CHOICES",
    },
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "tenantHeader": {"type": "apiKey", "in": "header", "name": "X-Tenant-Id"},
        }
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "stockscan.core.logging.PersonalDataMaskingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        # The SDK logs every call at INFO; billing logs the failures that matter itself.
        "stripe": {"level": "WARNING"},
    },
}

from config.settings.billing import *  # noqa: E402, F403
from config.settings.cors import *  # noqa: E402, F403
from config.settings.email import *  # noqa: E402, F403
from config.settings.exports import *  # noqa: E402, F403
from config.settings.production import *  # noqa: E402, F403
