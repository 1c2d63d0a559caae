"""Throttles for the unauthenticated entry points, by client address and by account.

Client addresses come from DRF's `get_ident`, which trusts only TRUSTED_PROXY_COUNT entries
of X-Forwarded-For, so rotating that header does not give a client a fresh bucket.
"""

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class _ByClientAddress(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _ByBodyField(SimpleRateThrottle):
    fields: tuple[str, ...] = ()

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        value = next((data[f] for f in self.fields if isinstance(data.get(f), str) and data[f].strip()), None)
        if value is None:
            return None
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class LoginIPThrottle(_ByClientAddress):
    scope = "login_ip"


class LoginUsernameThrottle(_ByBodyField):
    scope = "login_username"
    fields = ("username", "email")


class PasswordResetIPThrottle(_ByClientAddress):
    scope = "password_reset_ip"


class PasswordResetEmailThrottle(_ByBodyField):
    scope = "password_reset_email"
    fields = ("email",)


class RegisterIPThrottle(_ByClientAddress):
    scope = "register_ip"


class InvitationLinkIPThrottle(_ByClientAddress):
    scope = "invitation_ip"
