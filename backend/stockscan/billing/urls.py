from stockscan.billing import api
from stockscan.core.routing import route

urlpatterns = [
    route("billing/checkout/", api.CheckoutView.as_view(), "billing-checkout"),
    route("billing/portal/", api.PortalView.as_view(), "billing-portal"),
    route("billing/webhook/", api.StripeWebhookView.as_view(), "billing-webhook"),
]
