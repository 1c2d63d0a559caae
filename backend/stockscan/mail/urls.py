from stockscan.core.routing import route
from stockscan.mail.api import SendGridEventWebhookView

urlpatterns = [
    route("webhooks/sendgrid/", SendGridEventWebhookView.as_view(), "sendgrid-webhook"),
]
