from stockscan.core.routers import Router
from stockscan.inventory.api import CategoryViewSet, CountLineViewSet, ProductViewSet, StockCountViewSet

router = Router()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
router.register("counts", StockCountViewSet, basename="count")
router.register("count-lines", CountLineViewSet, basename="count-line")

urlpatterns = router.urls
