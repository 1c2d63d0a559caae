"""Billing's error codes. Each answer is the API's JSON error shape; see README (billing)."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from stockscan.core.errors import ApiError, Conflict


class BillingErrorCode(StrEnum):
    BILLING_NOT_CONFIGURED = "BILLING_NOT_CONFIGURED"
    STRIPE_ERROR = "STRIPE_ERROR"
    PORTAL_DISABLED = "PORTAL_DISABLED"
    NO_BILLING_ACCOUNT = "NO_BILLING_ACCOUNT"
    ALREADY_SUBSCRIBED = "ALREADY_SUBSCRIBED"
    INVALID_PLAN = "INVALID_PLAN"
    INVALID_CYCLE = "INVALID_CYCLE"
    INVALID_EVENT = "INVALID_EVENT"


class BillingNotConfigured(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    error_code = BillingErrorCode.BILLING_NOT_CONFIGURED
    default_detail = _("Online payment is not set up on this server yet.")


class StripeFailed(ApiError):
    """Stripe could not be reached or refused a call. Carries Stripe's request id (when Stripe
    answered at all) so that support can find the call in Stripe's dashboard."""

    status_code = status.HTTP_502_BAD_GATEWAY
    error_code = BillingErrorCode.STRIPE_ERROR
    default_detail = _("The payment service could not complete the request. Please try again in a moment.")

    def __init__(self, *, request_id: str | None, http_status: int | None, stripe_code: str | None, summary: str):
        super().__init__(stripe_request_id=request_id)
        self.request_id = request_id
        self.http_status = http_status
        self.stripe_code = stripe_code
        self.summary = summary


class PortalDisabled(Conflict):
    error_code = BillingErrorCode.PORTAL_DISABLED
    default_detail = _(
        "The billing portal is switched off on this server: contact support to change your subscription."
    )


class NoBillingAccount(Conflict):
    error_code = BillingErrorCode.NO_BILLING_ACCOUNT
    default_detail = _("There is no subscription to manage yet: choose a plan first.")


class AlreadySubscribed(Conflict):
    error_code = BillingErrorCode.ALREADY_SUBSCRIBED
    default_detail = _("This organisation already has a subscription: change it from the billing portal.")


class InvalidChoice(ApiError):
    def __init__(self, detail, *, code: BillingErrorCode, allowed: list[str]):
        super().__init__(detail, code=code, allowed=allowed)


class WebhookPayloadInvalid(ApiError):
    error_code = BillingErrorCode.INVALID_EVENT
    default_detail = _("The body is not a Stripe event.")
