from stockscan.core.routers import Router
from stockscan.inventory.api import CategoryViewSet, CountLineViewSet, LossViewSet, ProductViewSet, StockCountViewSet

router = Router()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
router.register("counts", StockCountViewSet, basename="count")
router.register("count-lines", CountLineViewSet, basename="count-line")
router.register("losses", LossViewSet, basename="loss")

urlpatterns = router.urls
