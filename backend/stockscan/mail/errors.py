from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError


class WebhookNotConfigured(ApiError):
    status_code = 503
    error_code = "WEBHOOK_NOT_CONFIGURED"
    default_detail = _("The SendGrid event webhook is not configured on this server.")


class WebhookSignatureMissing(ApiError):
    status_code = 400
    error_code = "WEBHOOK_SIGNATURE_MISSING"
    default_detail = _("The request is not signed.")


class WebhookSignatureInvalid(ApiError):
    status_code = 403
    error_code = "WEBHOOK_SIGNATURE_INVALID"
    default_detail = _("The request signature is invalid.")


class WebhookTimestampInvalid(ApiError):
    status_code = 403
    error_code = "WEBHOOK_TIMESTAMP_INVALID"
    default_detail = _("The request timestamp is missing, malformed or too old.")
