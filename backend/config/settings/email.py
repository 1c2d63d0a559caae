"""Outbound email: the console backend in development (addresses masked in the logs by the
logging filter), SendGrid through django-anymail when SENDGRID_API_KEY is set."""

from config import env

DEFAULT_FROM_EMAIL = env.string("SENDGRID_FROM_EMAIL", "StockScan <no-reply@stockscan.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

if env.is_set("SENDGRID_API_KEY"):
    EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    ANYMAIL = {"SENDGRID_API_KEY": env.string("SENDGRID_API_KEY")}
else:
    EMAIL_BACKEND = "stockscan.core.email_backends.MaskedConsoleEmailBackend"
