"""Stripe's webhook signature, computed the way Stripe computes it: an HMAC-SHA256, keyed by
the endpoint's secret, of `<timestamp>.<raw body>`, sent as `Stripe-Signature: t=…,v1=…`."""

import hashlib
import hmac
import secrets
import time


def webhook_secret() -> str:
    """A fresh endpoint secret in Stripe's format, made at run time (never a literal)."""
    return "whsec_" + secrets.token_urlsafe(24)


def signature_header(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
