from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import NotFound


class FallbackReason(StrEnum):
    """Why an answer is the deterministic one (`reason`), never an error: the answer is 200."""

    AI_DISABLED = "AI_DISABLED"
    AI_NOT_CONFIGURED = "AI_NOT_CONFIGURED"
    FEATURE_NOT_INCLUDED = "FEATURE_NOT_INCLUDED"
    LIMIT_AI_REQUESTS_MONTH = "LIMIT_AI_REQUESTS_MONTH"
    AI_TIMEOUT = "AI_TIMEOUT"
    AI_RATE_LIMITED = "AI_RATE_LIMITED"
    AI_UPSTREAM_ERROR = "AI_UPSTREAM_ERROR"
    AI_INVALID_OUTPUT = "AI_INVALID_OUTPUT"
    AI_REFUSED = "AI_REFUSED"
    AI_UNGROUNDED = "AI_UNGROUNDED"


class ConversationNotFound(NotFound):
    default_detail = _("This conversation does not exist.")
