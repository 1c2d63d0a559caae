"""Exports: how many exports a business may have emailed per hour (downloads are limited by
the plan's monthly quotas, not here)."""

from config import env

EXPORT_EMAILS_PER_HOUR = env.integer("EXPORT_EMAILS_PER_HOUR", 10)
# Outside recipients (an accountant without a seat) a business may add in any 24 hours, removed
# ones included: each addition emails a confirmation link to a stranger.
EXPORT_RECIPIENTS_PER_DAY = env.integer("EXPORT_RECIPIENTS_PER_DAY", 10)
