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

# Production unless told otherwise: a deploy that forgets the variable must not run with the
# debug pages and the development key (scripts/dev.sh and the tests set it true).
DEBUG = env.boolean("DJANGO_DEBUG", default=False)
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
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "stockscan.core",
    "stockscan.accounts",
    "stockscan.orgs",
    "stockscan.entitlements",
    "stockscan.billing",
    "stockscan.inventory",
    "stockscan.mail",
    "stockscan.exports",
    "stockscan.assistant",
    "stockscan.credits",
    "stockscan.demo",
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
    # Last, as django-axes asks: turns an admin login lockout into its 429 page.
    "axes.middleware.AxesMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that does not answer (rather than refusing) fails the request after this
    # long with 503 DATABASE_UNAVAILABLE, instead of holding the worker until gunicorn kills it.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": env.integer("DATABASE_CONNECT_TIMEOUT", 5),
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
# PostgreSQL writes the JSON of the month's lines (core.serializers.RowSerializer.json_rows);
# off, Python does. The month of 1,000 items needs the database to meet its time
# (README, Benchmarks): the switch lets scripts/bench/inventory.py measure both in one run.
ROWS_JSON_IN_DATABASE = env.boolean("ROWS_JSON_IN_DATABASE", True)

# --- Cache (throttles, locks, per-tenant caches): local memory by default, Redis through REDIS_URL.
# Redis is never waited for long: each command gives up after these timeouts, and this process
# then uses its own memory for a few seconds (stockscan.core.resilient_cache), so a hung or
# refusing Redis slows no request by more than one timeout.
REDIS_URL = env.string("REDIS_URL", "")
# Seconds to connect to Redis and to wait for one of its answers: a cache that is down or
# stalled must fail a cache call quickly, not hold the request (and its gunicorn worker).
REDIS_CONNECT_TIMEOUT = env.seconds("REDIS_CONNECT_TIMEOUT", 0.3)
REDIS_SOCKET_TIMEOUT = env.seconds("REDIS_SOCKET_TIMEOUT", 0.3)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "stockscan.core.resilient_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.string("CACHE_KEY_PREFIX", "stockscan"),
            "TIMEOUT": 300,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "RETRY_SECONDS": env.seconds("REDIS_RETRY_SECONDS", 5),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "stockscan",
        }
    }
# How long a request's tenant context (user without its password, membership, tenant, plan
# rows, services) may be served from the cache (stockscan.orgs.tenancy.context_cache); 0 turns
# it off. Every change invalidates it at once through the cache; this is also the longest a
# change is missed when its invalidation cannot reach Redis, hence the cap. Every process must
# share the cache, so it is off by default without Redis.
TENANT_CONTEXT_CACHE_MAX_SECONDS = 10
TENANT_CONTEXT_CACHE_SECONDS = min(
    env.integer("TENANT_CONTEXT_CACHE_SECONDS", TENANT_CONTEXT_CACHE_MAX_SECONDS if REDIS_URL else 0),
    TENANT_CONTEXT_CACHE_MAX_SECONDS,
)

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
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out admin login before any password is checked (admin only, see
    # config/settings/admin_site.py).
    "axes.backends.AxesStandaloneBackend",
    "stockscan.accounts.backends.UsernameOrEmailBackend",
]
# Argon2id first; the others only read older hashes (rewritten as Argon2id at the next login).
PASSWORD_HASHERS = [
    "stockscan.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

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
    "DEFAULT_SCHEMA_CLASS": "stockscan.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "stockscan.core.errors.api_exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env.string("LOGIN_THROTTLE_RATE_IP", "30/min"),
        # Failed logins only (stockscan.accounts.throttles.LoginGuard): per account and client
        # address; per account from every address, past which each address is slowed to
        # login_under_attack.
        "login_username": env.string("LOGIN_THROTTLE_RATE_USERNAME", "10/min"),
        "login_account": env.string("LOGIN_THROTTLE_RATE_ACCOUNT", "30/hour"),
        "login_under_attack": env.string("LOGIN_THROTTLE_RATE_UNDER_ATTACK", "5/hour"),
        # Wrong current passwords of a signed-in user (password and email changes).
        "password_check": env.string("LOGIN_THROTTLE_RATE_USERNAME", "10/min"),
        "email_confirm_ip": env.string("EMAIL_CONFIRM_THROTTLE_RATE_IP", "30/hour"),
        "password_reset_ip": env.string("PASSWORD_RESET_THROTTLE_RATE_IP", "10/hour"),
        "password_reset_email": env.string("PASSWORD_RESET_THROTTLE_RATE_EMAIL", "5/hour"),
        "register_ip": env.string("REGISTER_THROTTLE_RATE_IP", "20/hour"),
        "invitation_ip": env.string("INVITATION_THROTTLE_RATE_IP", "60/hour"),
        # The public credit-book access by code (stockscan.credits): per client address, and
        # per code prefix (the first characters), so neither one address nor many addresses
        # trying the same neighbourhood of codes can walk the code space.
        "customer_access_ip": env.string("CUSTOMER_ACCESS_THROTTLE_RATE_IP", "30/hour"),
        "customer_access_prefix": env.string("CUSTOMER_ACCESS_THROTTLE_RATE_PREFIX", "10/hour"),
        "statement_link_ip": env.string("STATEMENT_LINK_THROTTLE_RATE_IP", "120/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# How long a shared credit-book statement link stays valid.
CREDIT_STATEMENT_LINK_DAYS = env.integer("CREDIT_STATEMENT_LINK_DAYS", 30)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.integer("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.integer("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
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
    # Errors in every operation, and English whatever the request's language: core.schema.
    "DEFAULT_GENERATOR_CLASS": "stockscan.core.schema.SchemaGenerator",
    # Swagger UI from our static files (drf-spectacular-sidecar), never from a CDN: see
    # stockscan.core.api_docs. No validator badge either (an image from swagger.io).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "stockscan.orgs.models.Role",
        "ServiceTypeEnum": "stockscan.orgs.presets.ServiceType",
        "BusinessTypeEnum": "stockscan.orgs.models.BusinessType",
        "EntryKindEnum": "stockscan.credits.models.EntryKind",
        # The alerts' kinds (the assistant's actions and the ledger's entries have a `kind` too).
        "AlertKindEnum": [("low_stock", "low_stock"), ("expiry", "expiry")],
        "CustomerStatusEnum": "stockscan.credits.models.CustomerStatus",
        "CreditStatusEnum": "stockscan.credits.models.CreditStatus",
        "PaymentMethodEnum": "stockscan.credits.models.PaymentMethod",
        "LanguageEnum": "config.settings.LANGUAGES",
        "MembershipStatusEnum": "stockscan.orgs.models.MembershipStatus",
        "InvitationStatusEnum": "stockscan.orgs.models.InvitationStatus",
        "InvitationEmailStatusEnum": "stockscan.orgs.serializers.EMAIL_STATUS_CHOICES",
        "PlanCodeEnum": "stockscan.entitlements.plans.PlanCode",
        "FeatureEnum": "stockscan.entitlements.plans.FEATURE_CODES",
        "AlertExclusionReasonEnum": "stockscan.inventory.serializers.ALERT_EXCLUSION_REASONS",
        "LossReasonEnum": "stockscan.inventory.models.LossReason",
        "CountStatusEnum": "stockscan.inventory.models.CountStatus",
        "UncountedPolicyEnum": "stockscan.inventory.models.UncountedPolicy",
        "AssistantActionKindEnum": "stockscan.assistant.serializers.ACTION_KINDS",
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
        # The openai SDK's HTTP client logs every call at INFO; the assistant records its own.
        "httpx2": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
        # django-axes logs every admin login at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}

from config.settings.admin_site import *  # noqa: E402, F403
from config.settings.assistant import *  # noqa: E402, F403
from config.settings.billing import *  # noqa: E402, F403
from config.settings.cors import *  # noqa: E402, F403
from config.settings.email import *  # noqa: E402, F403
from config.settings.exports import *  # noqa: E402, F403
from config.settings.production import *  # noqa: E402, F403
from config.settings.spa import *  # noqa: E402, F403
