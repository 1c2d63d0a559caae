from stockscan.core.routers import Router
from stockscan.core.routing import route
from stockscan.inventory.api import (
    AlertsView,
    AreaViewSet,
    CategoryViewSet,
    CountLineViewSet,
    InventoryStatsView,
    LossViewSet,
    ProductViewSet,
    StockCountViewSet,
)

router = Router()
router.register("areas", AreaViewSet, basename="area")
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
router.register("counts", StockCountViewSet, basename="count")
router.register("count-lines", CountLineViewSet, basename="count-line")
router.register("losses", LossViewSet, basename="loss")

urlpatterns = [
    route("inventory-stats/", InventoryStatsView.as_view(), "inventory-stats"),
    route("alerts/", AlertsView.as_view(), "alerts"),
    *router.urls,
]
