"""Throttles of the public credit-book views, on the shared cache (Redis in production)."""

import hashlib

from stockscan.core.throttling import AtomicRateThrottle, ClientAddressThrottle

# The characters of a code that name its bucket: a guesser walking codes that share a prefix
# is slowed down whatever the number of addresses used.
CODE_PREFIX_LENGTH = 4


class CustomerAccessIPThrottle(ClientAddressThrottle):
    scope = "customer_access_ip"


class CustomerAccessPrefixThrottle(AtomicRateThrottle):
    scope = "customer_access_prefix"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        code = data.get("code")
        if not isinstance(code, str):
            return None
        prefix = "".join(code.split()).replace("-", "").upper()[:CODE_PREFIX_LENGTH]
        return self.cache_format % {"scope": self.scope, "ident": hashlib.sha256(prefix.encode()).hexdigest()}


class StatementLinkIPThrottle(ClientAddressThrottle):
    scope = "statement_link_ip"
