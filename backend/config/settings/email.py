"""Outbound email: the console backend in development (addresses masked in the logs by the
logging filter), SendGrid through django-anymail when SENDGRID_API_KEY is set. Every email
goes through the outbox (`stockscan.mail`), which retries failed sends."""

from config import env

DEFAULT_FROM_EMAIL = env.string("SENDGRID_FROM_EMAIL", "StockScan <no-reply@stockscan.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

if env.is_set("SENDGRID_API_KEY"):
    EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    ANYMAIL = {"SENDGRID_API_KEY": env.string("SENDGRID_API_KEY")}
else:
    EMAIL_BACKEND = "stockscan.core.email_backends.MaskedConsoleEmailBackend"

# Attempts at sending one email before it is marked failed. The waits between them double
# from one minute (core.tasks.retry_delay): 10 attempts keep trying for about 8.5 hours.
MAIL_MAX_ATTEMPTS = env.integer("MAIL_MAX_ATTEMPTS", 10)

# false: invitations are still created, their link is shown to the owner instead of being
# emailed, and a warning is logged.
INVITATIONS_SEND_EMAILS = env.boolean("INVITATIONS_SEND_EMAILS", default=True)

# Invitations are emails to strangers from our verified sender: a business may create so
# many per hour and per day (revoked ones count: inviting and revoking is still an email),
# and one address may receive so many per day from all businesses together. Counted from
# the invitation rows (orgs.services.invitations), so they hold across processes.
INVITATIONS_PER_TENANT_PER_HOUR = env.integer("INVITATIONS_PER_TENANT_PER_HOUR", 10)
INVITATIONS_PER_TENANT_PER_DAY = env.integer("INVITATIONS_PER_TENANT_PER_DAY", 30)
INVITATIONS_PER_ADDRESS_PER_DAY = env.integer("INVITATIONS_PER_ADDRESS_PER_DAY", 3)

# SendGrid's event webhook verification key (Mail Settings → Event Webhook → Signed Event
# Webhook). Without it the webhook answers 503 and stores nothing.
SENDGRID_WEBHOOK_PUBLIC_KEY = env.string("SENDGRID_WEBHOOK_PUBLIC_KEY", "")
