"""Exports: how many exports a business may have emailed per hour (downloads are limited by
the plan's monthly quotas, not here)."""

from config import env

EXPORT_EMAILS_PER_HOUR = env.integer("EXPORT_EMAILS_PER_HOUR", 10)
