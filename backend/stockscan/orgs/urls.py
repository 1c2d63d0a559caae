from stockscan.core.routers import Router
from stockscan.orgs.api import MembershipViewSet, ServiceViewSet

router = Router()
router.register("services", ServiceViewSet, basename="service")
router.register("memberships", MembershipViewSet, basename="membership")

urlpatterns = router.urls
