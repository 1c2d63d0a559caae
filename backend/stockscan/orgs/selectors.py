from stockscan.core.tenancy import visible_services
from stockscan.orgs.models import Membership, MembershipStatus, Service


def service_list(*, membership: Membership):
    return visible_services(membership).order_by("name", "id")


def membership_list(*, tenant):
    return Membership.objects.filter(tenant=tenant).select_related("user", "service").order_by("created_at", "id")


def service_count(tenant) -> int:
    return Service.objects.filter(tenant=tenant).count()


def active_member_count(tenant) -> int:
    return Membership.objects.filter(tenant=tenant, status=MembershipStatus.ACTIVE).count()
