from stockscan.core.urls import route
from stockscan.entitlements.api import EntitlementsView

urlpatterns = [
    route("me/org/entitlements", EntitlementsView.as_view(), "entitlements"),
]
