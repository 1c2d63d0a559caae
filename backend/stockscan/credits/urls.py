from stockscan.core.routers import Router
from stockscan.core.routing import route
from stockscan.credits.api import (
    CreditSettingsView,
    CreditViewSet,
    CustomerAccessView,
    CustomerViewSet,
    DashboardView,
    EntryViewSet,
    PaymentViewSet,
    SharedStatementView,
)

router = Router()
router.register("customers", CustomerViewSet, basename="customer")
router.register("credits", CreditViewSet, basename="credit")
router.register("payments", PaymentViewSet, basename="payment")
router.register("entries", EntryViewSet, basename="entry")

urlpatterns = [
    # Before the router's customers/<id>/: literal paths first.
    route("customers/access/", CustomerAccessView.as_view(), "customer-access"),
    route("customers/statement/", SharedStatementView.as_view(), "customer-shared-statement"),
    route("dashboard/", DashboardView.as_view(), "credit-dashboard"),
    route("credit-settings/", CreditSettingsView.as_view(), "credit-settings"),
    *router.urls,
]
