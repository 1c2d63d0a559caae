from stockscan.core.routers import Router
from stockscan.core.routing import route
from stockscan.orgs.api import (
    EntitlementsView,
    InvitationAcceptView,
    InvitationDeclineView,
    InvitationViewSet,
    LoginView,
    MembershipViewSet,
    MembersSummaryView,
    MeView,
    RegisterView,
    ServiceViewSet,
    TenantSettingsView,
)

router = Router()
router.register("services", ServiceViewSet, basename="service")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")

urlpatterns = [
    route("register/", RegisterView.as_view(), "register"),
    route("login/", LoginView.as_view(), "login"),
    route("me/", MeView.as_view(), "me"),
    route("me/org/entitlements", EntitlementsView.as_view(), "entitlements"),
    route("tenant/", TenantSettingsView.as_view(), "tenant-settings"),
    route("members/summary/", MembersSummaryView.as_view(), "members-summary"),
    route("invitations/accept/", InvitationAcceptView.as_view(), "invitation-accept"),
    route("invitations/decline/", InvitationDeclineView.as_view(), "invitation-decline"),
    *router.urls,
]
