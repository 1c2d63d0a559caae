from stockscan.core.routers import Router
from stockscan.inventory.api import CategoryViewSet, ProductViewSet

router = Router()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")

urlpatterns = router.urls
