from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError


class MailErrorCode(StrEnum):
    WEBHOOK_NOT_CONFIGURED = "WEBHOOK_NOT_CONFIGURED"


class WebhookNotConfigured(ApiError):
    status_code = 503
    error_code = MailErrorCode.WEBHOOK_NOT_CONFIGURED
    default_detail = _("The SendGrid event webhook is not configured on this server.")
