from stockscan.core.tenancy import visible_services
from stockscan.orgs.models import Membership


def service_list(*, membership: Membership):
    return visible_services(membership).order_by("name", "id")


def membership_list(*, tenant):
    return Membership.objects.filter(tenant=tenant).select_related("user", "service").order_by("created_at", "id")
