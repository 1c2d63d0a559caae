"""Reads of accounts."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from stockscan.accounts.models import RevokedSession

# Each revoked session is a cache key; the marker says the cache holds every revocation. It
# expires every minute, and whoever finds it missing (expired, cache flushed or restarted, or
# unreachable) reloads the unexpired revocations from the database: a revocation the cache
# lost (a failed write, an eviction) is back within a minute, for one query a minute.
REVOKED_SESSION_KEY = "accounts:revoked-session:{}"
REVOCATIONS_LOADED_KEY = "accounts:revoked-sessions-loaded"
REVOCATIONS_RELOAD_SECONDS = 60


def revocation_seconds() -> int:
    """How long a revoked session is remembered: the longest an access token of it may live."""
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


def session_is_revoked(*, session_id: str) -> bool:
    """One cache round trip on the authenticated path; the database only when the cache cannot
    vouch for itself."""
    key = REVOKED_SESSION_KEY.format(session_id)
    found = cache.get_many([REVOCATIONS_LOADED_KEY, key])
    if REVOCATIONS_LOADED_KEY in found:
        return key in found
    revoked = set(RevokedSession.objects.filter(expires_at__gt=timezone.now()).values_list("session_id", flat=True))
    if revoked:
        cache.set_many({REVOKED_SESSION_KEY.format(sid): True for sid in revoked}, revocation_seconds())
    cache.set(REVOCATIONS_LOADED_KEY, True, REVOCATIONS_RELOAD_SECONDS)
    return session_id in revoked
