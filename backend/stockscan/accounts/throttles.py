"""Throttles for the unauthenticated entry points, by client address and by account.

Client addresses come from DRF's `get_ident`, which trusts only TRUSTED_PROXY_COUNT entries
of X-Forwarded-For, so rotating that header does not give a client a fresh bucket.

Passwords are guarded by failure budgets rather than request throttles: only wrong answers
count, so nobody can keep an account's owner out by failing on purpose from elsewhere.
"""

import hashlib
import time

from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from stockscan.core.throttling import AtomicRateThrottle, ClientAddressThrottle, parse_rate


def client_address(request) -> str:
    """The client's address as the throttles see it (TRUSTED_PROXY_COUNT hops trusted); empty
    when the server gave none (a WSGI call without REMOTE_ADDR), never None."""
    return BaseThrottle().get_ident(request) or ""


class _ByBodyField(AtomicRateThrottle):
    fields: tuple[str, ...] = ()

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        value = next((data[f] for f in self.fields if isinstance(data.get(f), str) and data[f].strip()), None)
        if value is None:
            return None
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class LoginIPThrottle(ClientAddressThrottle):
    scope = "login_ip"


class PasswordResetIPThrottle(ClientAddressThrottle):
    scope = "password_reset_ip"


class PasswordResetEmailThrottle(_ByBodyField):
    scope = "password_reset_email"
    fields = ("email",)


class RegisterIPThrottle(ClientAddressThrottle):
    scope = "register_ip"


class InvitationLinkIPThrottle(ClientAddressThrottle):
    scope = "invitation_ip"


class EmailConfirmIPThrottle(ClientAddressThrottle):
    scope = "email_confirm_ip"


class FailureBudget:
    """The failed attempts one key may make in a fixed window (the scope's DRF-style rate in
    DEFAULT_THROTTLE_RATES, read at each use). Keys are hashed: no identifier reaches the cache."""

    def __init__(self, scope: str, *parts: str):
        self.scope = scope
        digest = hashlib.sha256("\x1f".join(parts).strip().lower().encode()).hexdigest()
        self.key = f"failures:{scope}:{digest}"
        self._ends_key = f"{self.key}:ends"

    def _rate(self) -> tuple[int, int]:
        return parse_rate(api_settings.DEFAULT_THROTTLE_RATES[self.scope])

    def exhausted(self) -> bool:
        limit, _window = self._rate()
        return (cache.get(self.key) or 0) >= limit

    def _increment(self) -> int:
        _limit, window = self._rate()
        cache.add(self._ends_key, time.time() + window, window)
        cache.add(self.key, 0, window)
        try:
            return cache.incr(self.key)
        except ValueError:  # the window ended between add and incr
            cache.add(self.key, 1, window)
            return 1

    def record(self) -> None:
        """Counts one failure that already happened."""
        self._increment()

    def reserve(self) -> None:
        """Counts the attempt about to be made, before it is made (an atomic increment, so
        concurrent attempts cannot all slip under the limit), or refuses it with 429.
        `forgive` takes it back when the attempt succeeds."""
        limit, window = self._rate()
        if self._increment() > limit:
            ends = cache.get(self._ends_key) or time.time() + window
            raise Throttled(wait=max(1, round(ends - time.time())))

    def forgive(self) -> None:
        cache.delete_many([self.key, self._ends_key])


class LoginGuard:
    """Login attempts of one identifier (username or email) from one client address.

    - `login_username`: failures per identifier *and* address. The owner's own address keeps
      its budget whatever is tried from elsewhere, and a success starts it again.
    - `login_account`: failures per identifier from every address. Past it, the identifier is
      under attack: every address (the owner's too) is slowed to `login_under_attack` failures
      per address, on top of the above. Slowed, never blocked outright: an address that has not
      failed still gets its tries. We chose a lower rate over a growing server-side delay: a
      delay would hold a web worker for each attacker request.
    The per-address `login_ip` request throttle still applies in front of this.
    """

    def __init__(self, *, identifier: str, address: str):
        self._by_address = FailureBudget("login_username", identifier, address)
        self._under_attack = FailureBudget("login_under_attack", identifier, address)
        self._by_account = FailureBudget("login_account", identifier)

    def reserve(self) -> None:
        self._by_address.reserve()
        if self._by_account.exhausted():
            self._under_attack.reserve()

    def failed(self) -> None:
        self._by_account.record()

    def succeeded(self) -> None:
        self._by_address.forgive()
        self._under_attack.forgive()


def password_check_budget(user) -> FailureBudget:
    """Wrong current passwords of one signed-in user (password change, email change): a stolen
    access token does not buy unlimited guesses."""
    return FailureBudget("password_check", str(user.pk))
