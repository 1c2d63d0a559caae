"""Stripe billing. Switched off until STRIPE_API_KEY and the four STRIPE_PRICE_* are set:
checkout and portal then answer 503 BILLING_NOT_CONFIGURED; the webhook answers 503 while
STRIPE_WEBHOOK_SECRET is empty. `stockscan.billing.stripe_api`, the one module that calls
Stripe, builds its client from the API settings below."""

from config import env

STRIPE_API_KEY = env.string("STRIPE_API_KEY", "")
# The API version every call sends and every object read is shaped by: the version of the
# webhook endpoint in Stripe's dashboard must be the same.
STRIPE_API_VERSION = "2026-07-29.dahlia"
# Only changed to point the SDK at a local fake (tests, benchmarks) or stripe-mock.
STRIPE_API_BASE = env.string("STRIPE_API_BASE", "https://api.stripe.com")
# Seconds one HTTP call to Stripe may take; a timed-out or failed call is retried once.
STRIPE_TIMEOUT_SECONDS = env.integer("STRIPE_TIMEOUT_SECONDS", 10)
STRIPE_MAX_NETWORK_RETRIES = 1

# Several comma-separated secrets are accepted while a webhook secret is being rolled.
STRIPE_WEBHOOK_SECRETS = env.listing("STRIPE_WEBHOOK_SECRET")
# How old (seconds) a signed webhook may be: Stripe's own default.
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300

# Where Checkout sends the customer back; empty means FRONTEND_URL/billing/success|cancel.
# `{CHECKOUT_SESSION_ID}` is added to the success address when it is missing.
STRIPE_SUCCESS_URL = env.string("STRIPE_SUCCESS_URL", "")
STRIPE_CANCEL_URL = env.string("STRIPE_CANCEL_URL", "")
STRIPE_PORTAL_DISABLED = env.boolean("STRIPE_PORTAL_DISABLED", default=False)

# The Stripe price of each plan a tenant can buy, by billing cycle.
STRIPE_PRICE_BOUTIQUE_MONTHLY = env.string("STRIPE_PRICE_BOUTIQUE_MONTHLY", "")
STRIPE_PRICE_BOUTIQUE_YEARLY = env.string("STRIPE_PRICE_BOUTIQUE_YEARLY", "")
STRIPE_PRICE_PRO_MONTHLY = env.string("STRIPE_PRICE_PRO_MONTHLY", "")
STRIPE_PRICE_PRO_YEARLY = env.string("STRIPE_PRICE_PRO_YEARLY", "")
