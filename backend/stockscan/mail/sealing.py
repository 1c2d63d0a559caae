"""Email contexts at rest: encrypted, because they carry one-time links.

An invitation or password-reset link works for whoever reads it, so it must not sit in the
database in clear, yet the outbox has to keep it until the email is sent (retries may come
hours later, from another process). The context is sealed with Fernet (AES + HMAC) under a
key derived from SECRET_KEY; SECRET_KEY_FALLBACKS still open rows sealed before a rotation.
"""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

_KEY_SALT = "stockscan.mail.sealing"


class ContextUnreadable(Exception):
    """The sealed context cannot be opened with the current or fallback secret keys."""


def _fernet_for(secret: str) -> Fernet:
    digest = salted_hmac(_KEY_SALT, "email context", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(secret) for secret in secrets])


def seal_context(context: dict) -> str:
    """`context` must be JSON-serialisable (a TypeError says which value is not)."""
    return _fernet().encrypt(json.dumps(context).encode()).decode()


def unseal_context(sealed: str) -> dict:
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except InvalidToken:
        raise ContextUnreadable("The email context was sealed with an unknown secret key.") from None
