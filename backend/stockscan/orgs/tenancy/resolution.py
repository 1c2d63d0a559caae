"""The one mechanism that binds a request to its tenant and, when asked, its service.

The tenant comes from the user's active membership (`X-Tenant-Id` chooses among several);
a tenant the user is not a member of is answered as if it did not exist. The service comes
from `?service=`, the body's `service`, or `X-Service-Id`; a membership limited to one
service is held to it.

What a request resolves (user, membership, tenant and plan rows, services) is kept between
requests by `context_cache`, which says when a kept context may be served.
"""

from dataclasses import dataclass

from django.db.models.functions import MD5, Upper
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from stockscan.core.errors import ApiError, Forbidden, NotFound
from stockscan.entitlements.selectors import PLAN_RELATIONS, remember_effective_plan
from stockscan.orgs.errors import OrgsErrorCode
from stockscan.orgs.models import Membership, MembershipStatus, Service, Tenant
from stockscan.orgs.tenancy import context_cache

TENANT_HEADER = "X-Tenant-Id"
SERVICE_HEADER = "X-Service-Id"


class TenantNotFound(NotFound):
    default_detail = _("This organisation does not exist or you are not a member of it.")


class ServiceNotFound(NotFound):
    default_detail = _("This service does not exist.")


class NoTenantMembership(Forbidden):
    error_code = OrgsErrorCode.NO_TENANT_MEMBERSHIP
    default_detail = _("Your account is not a member of any organisation.")


@dataclass(frozen=True)
class TenantContext:
    tenant: Tenant
    # With its user, whose password hash is not loaded: the context is cached, and the hash
    # is a secret. A view that needs it (a password change) reads it from the database.
    membership: Membership
    # The tenant's services by id: a request names its service among these, without a query.
    services: dict[int, Service]
    # What simplejwt compares with an access token's revocation claim: the MD5 of the password
    # hash, computed by the database. Every access token carries this value in clear, and it
    # cannot be used to log in or to test a password (the hash's salt is inside what is digested).
    password_digest: str

    @property
    def role(self) -> str:
        return self.membership.role


# The largest id a BigAutoField holds: a larger one cannot exist, and SQLite cannot even
# compare it (OverflowError).
MAX_ID = 2**63 - 1


def parse_id(raw, *, not_found: type[ApiError]) -> int:
    """Ids from headers and query strings: anything but a positive integer is unknown."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise not_found() from None
    if not 0 < value <= MAX_ID:
        raise not_found()
    return value


def requested_tenant_id(request) -> int | None:
    requested = request.headers.get(TENANT_HEADER)
    return parse_id(requested, not_found=TenantNotFound) if requested else None


def resolve_tenant_context(request) -> TenantContext:
    """The request's tenant context: found with the user by the authentication (which reads
    the cache), else loaded and stored under the generation that same lookup gave — the
    cache is asked once per request."""
    context = getattr(request, "tenant_context", None)
    if context is None:
        context = tenant_context_for(
            request.user.pk,
            requested_tenant_id(request),
            generation=getattr(request, "tenant_context_generation", NOT_LOOKED_UP),
        )
        request.tenant_context = context
    remember_effective_plan(context.tenant)
    return context


# `tenant_context_for` without a generation: the cache has not been asked yet.
NOT_LOOKED_UP = object()


def tenant_context_for(user_id: int, requested: int | None, *, generation=NOT_LOOKED_UP) -> TenantContext:
    """A user's context in the tenant they asked for (None: their first membership), from the
    cache or loaded (and cached under `generation` when the caller has already asked the cache
    and missed). Raises TenantNotFound or NoTenantMembership."""
    context = None
    if generation is NOT_LOOKED_UP:
        context, generation = context_cache.lookup(user_id, requested)
    if context is None:
        context = _load_tenant_context(user_id, requested)
        context_cache.store(user_id, requested, generation, context)
    return context


def _load_tenant_context(user_id: int, requested: int | None) -> TenantContext:
    # Memberships are looked up by user across tenants: this is the query that finds the
    # tenant, so it cannot run inside a tenant scope yet.
    with scopes_disabled():
        # The tenant comes with what its plan is computed from: most requests need the plan.
        memberships = (
            Membership.objects.select_related(
                "user", "tenant", "service", *(f"tenant__{name}" for name in PLAN_RELATIONS)
            )
            .defer("user__password")
            .annotate(password_digest=Upper(MD5("user__password")))
            .filter(user_id=user_id, status=MembershipStatus.ACTIVE)
        )
        if requested is not None:
            membership = memberships.filter(tenant_id=requested).first()
            if membership is None:
                raise TenantNotFound()
        else:
            membership = memberships.order_by("created_at", "id").first()
            if membership is None:
                raise NoTenantMembership()
        services = {service.pk: service for service in Service.objects.filter(tenant_id=membership.tenant_id)}
    return TenantContext(
        tenant=membership.tenant,
        membership=membership,
        services=services,
        password_digest=membership.password_digest,
    )


def requested_service_id(request) -> str | None:
    raw = request.query_params.get("service")
    if raw is None and request.method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
        data = request.data
        raw = data.get("service") if isinstance(data, dict) else None
    if raw is None:
        raw = request.headers.get(SERVICE_HEADER)
    return raw


def resolve_service(request, *, required: bool) -> Service | None:
    """The service a request works on, within the tenant scope already active."""
    context = request.tenant_context
    return member_service(context.membership, requested_service_id(request), required=required, known=context.services)


def member_service(membership: Membership, raw, *, required: bool, known: dict | None = None) -> Service | None:
    """The service `raw` names for this member (None: the member's own service, if limited to
    one), among the tenant's `known` services if given, else from the database. Also used by
    background tasks, which re-check a request's service without one."""
    if raw in (None, ""):
        if membership.service_id is not None:
            return membership.service
        if required:
            raise ApiError(
                _("Choose a service (?service=<id>, a 'service' field, or the X-Service-Id header)."),
                code=OrgsErrorCode.SERVICE_REQUIRED,
            )
        return None
    service_id = parse_id(raw, not_found=ServiceNotFound)
    if membership.service_id is not None and membership.service_id != service_id:
        raise ServiceNotFound()
    if known is not None:
        service = known.get(service_id)
    else:
        service = Service.objects.filter(tenant_id=membership.tenant_id, pk=service_id).first()
    if service is None:
        raise ServiceNotFound()
    return service


def visible_services(membership: Membership):
    services = Service.objects.filter(tenant_id=membership.tenant_id)
    if membership.service_id is not None:
        services = services.filter(pk=membership.service_id)
    return services


def visible_service_ids(membership: Membership) -> list[int]:
    return list(visible_services(membership).values_list("pk", flat=True))


def restrict_to_member_services(queryset, membership: Membership, service_field: str = "service"):
    """Rows of the services a member may see. A member limited to one service sees that
    service's rows; the others see all of the tenant's rows, which the caller has already
    filtered by tenant — so no subquery is added on the hot path."""
    if membership.service_id is None:
        return queryset
    return queryset.filter(**{service_field: membership.service_id})


def rows_visible_to_requester(queryset, request, service_field: str = "service"):
    """`restrict_to_member_services` for the member making `request`: the `restrict` of a
    body's reference to a service's row (core.serializers.TenantRelatedField)."""
    return restrict_to_member_services(queryset, request.membership, service_field)
