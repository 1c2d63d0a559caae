"""CORS for the SPA: CORS_ALLOWED_ORIGINS, plus FRONTEND_URL so one variable is enough."""

from config import env

_frontend_url = env.string("FRONTEND_URL", "http://localhost:5173").rstrip("/")

CORS_ALLOWED_ORIGINS = sorted({*env.listing("CORS_ALLOWED_ORIGINS"), _frontend_url})
CORS_ALLOW_HEADERS = (
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-tenant-id",
    "x-service-id",
)
CORS_EXPOSE_HEADERS = ("content-disposition",)
CSRF_TRUSTED_ORIGINS = list(CORS_ALLOWED_ORIGINS)
