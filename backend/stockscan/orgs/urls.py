from stockscan.core.routers import Router
from stockscan.core.urls import route
from stockscan.orgs.api import (
    InvitationAcceptView,
    InvitationDeclineView,
    InvitationViewSet,
    MembershipViewSet,
    MembersSummaryView,
    ServiceViewSet,
)

router = Router()
router.register("services", ServiceViewSet, basename="service")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")

urlpatterns = [
    route("members/summary/", MembersSummaryView.as_view(), "members-summary"),
    route("invitations/accept/", InvitationAcceptView.as_view(), "invitation-accept"),
    route("invitations/decline/", InvitationDeclineView.as_view(), "invitation-decline"),
    *router.urls,
]
