import secrets

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_scopes import scope
from rest_framework.exceptions import ValidationError

from stockscan.accounts.services import user_create
from stockscan.core.audit import audit_record
from stockscan.entitlements.enforcement import check_count_limit
from stockscan.entitlements.plans import Limit
from stockscan.entitlements.services import billing_state_start_trial
from stockscan.orgs.errors import (
    LastOwner,
    LastServiceRequired,
    ServiceHasData,
    ServiceHasInvitations,
    ServiceHasMembers,
    ServiceNameTaken,
)
from stockscan.orgs.models import Invitation, InvitationStatus, Membership, MembershipStatus, Role, Service, Tenant
from stockscan.orgs.presets import FEATURE_KEYS, preset_for


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "organisation"
    if not Tenant.objects.filter(slug=base).exists():
        return base
    return f"{base}-{secrets.token_hex(3)}"


@transaction.atomic
def tenant_create(
    *, name: str, business_type: str, domain: str, owner, services: list[dict], locale: str = "fr"
) -> tuple[Tenant, list[Service]]:
    """A new business with its first services and its owner. Called inside registration's
    transaction, so a failure leaves no half-made tenant."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                tenant = Tenant.objects.create(
                    name=name.strip(),
                    slug=_unique_slug(name),
                    business_type=business_type,
                    domain=domain,
                    locale=locale,
                )
            break
        except IntegrityError:
            # Two businesses of the same name registering at the same instant: the slug
            # check above raced; a fresh suffix settles it.
            if attempt == 2:
                raise
    billing_state_start_trial(tenant=tenant)
    with scope(tenant=tenant.pk):
        check_count_limit(tenant, Limit.MAX_SERVICES, adding=len(services))
        created = [
            _service_insert(tenant=tenant, name=spec["name"], service_type=spec["service_type"]) for spec in services
        ]
        Membership.objects.create(tenant=tenant, user=owner, role=Role.OWNER)
    audit_record(tenant_id=tenant.pk, actor=owner, action="tenant.created", target=tenant, after={"name": tenant.name})
    return tenant, created


@transaction.atomic
def tenant_register(
    *,
    username: str,
    email: str,
    password: str,
    tenant_name: str,
    business_type: str,
    domain: str,
    service_type: str,
    service_name: str,
    extra_services: list[dict] | None = None,
    language: str = "fr",
):
    """The user, their business, its services and the owner membership: all or nothing."""
    user = user_create(username=username, email=email, password=password, language=language)
    services = [{"name": service_name, "service_type": service_type}, *(extra_services or [])]
    tenant, created_services = tenant_create(
        name=tenant_name, business_type=business_type, domain=domain, owner=user, services=services, locale=language
    )
    return user, tenant, created_services


@transaction.atomic
def tenant_update(*, tenant: Tenant, actor, **changes) -> Tenant:
    """The business's settings (owner only, checked by the view). Audited with before/after."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = {field: getattr(tenant, field) for field in changes}
    changed = {field: value for field, value in changes.items() if before[field] != value}
    if not changed:
        return tenant
    for field, value in changed.items():
        setattr(tenant, field, value)
    tenant.save(update_fields=[*changed, "updated_at"])
    audit_record(
        tenant_id=tenant.pk,
        actor=actor,
        action="tenant.updated",
        target=tenant,
        before={field: before[field] for field in changed},
        after=changed,
    )
    return tenant


def _service_insert(
    *, tenant: Tenant, name: str, service_type: str, counting_mode: str | None = None, features: dict | None = None
) -> Service:
    preset = preset_for(service_type)
    try:
        with transaction.atomic():
            return Service.objects.create(
                tenant=tenant,
                name=name.strip(),
                service_type=service_type,
                counting_mode=counting_mode or preset["counting_mode"],
                features={**preset["features"], **_known_features(features)},
            )
    except IntegrityError:
        raise ServiceNameTaken() from None


def _known_features(features: dict | None) -> dict[str, bool]:
    return {key: bool(value) for key, value in (features or {}).items() if key in FEATURE_KEYS}


@transaction.atomic
def service_create(
    *,
    tenant: Tenant,
    actor,
    name: str,
    service_type: str,
    counting_mode: str | None = None,
    features: dict | None = None,
) -> Service:
    check_count_limit(tenant, Limit.MAX_SERVICES)
    service = _service_insert(
        tenant=tenant, name=name, service_type=service_type, counting_mode=counting_mode, features=features
    )
    audit_record(
        tenant_id=tenant.pk, actor=actor, action="service.created", target=service, after={"name": service.name}
    )
    return service


@transaction.atomic
def service_update(*, service: Service, actor, **changes) -> Service:
    before = {"name": service.name, "counting_mode": service.counting_mode, "features": service.features}
    if "name" in changes:
        service.name = changes["name"].strip()
    if "counting_mode" in changes:
        service.counting_mode = changes["counting_mode"]
    if "features" in changes:
        service.features = {**service.features, **_known_features(changes["features"])}
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise ServiceNameTaken() from None
    after = {"name": service.name, "counting_mode": service.counting_mode, "features": service.features}
    audit_record(
        tenant_id=service.tenant_id, actor=actor, action="service.updated", target=service, before=before, after=after
    )
    return service


@transaction.atomic
def service_delete(*, service: Service, actor) -> None:
    # Lock the tenant's services so two concurrent deletions cannot remove the last two.
    remaining = list(
        Service.objects.select_for_update().filter(tenant_id=service.tenant_id).values_list("pk", flat=True)
    )
    if len(remaining) <= 1:
        raise LastServiceRequired()
    if Membership.objects.filter(tenant_id=service.tenant_id, service=service).exists():
        raise ServiceHasMembers()
    if Invitation.objects.filter(
        tenant_id=service.tenant_id, service=service, status=InvitationStatus.PENDING
    ).exists():
        raise ServiceHasInvitations()
    audit_record(
        tenant_id=service.tenant_id,
        actor=actor,
        action="service.deleted",
        target=service,
        before={"name": service.name},
    )
    try:
        service.delete()
    except (ProtectedError, RestrictedError):
        # Its products have counted lines or losses, which are history and never deleted.
        raise ServiceHasData() from None


def _require_another_owner(membership: Membership) -> None:
    """Refuses to leave the tenant without an active owner. The tenant's owner memberships are
    locked, so two owners demoting or removing each other at once cannot both succeed: the
    second one waits, then finds the first one no longer an owner."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(tenant_id=membership.tenant_id, role=Role.OWNER, status=MembershipStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not set(owners) - {membership.pk}:
        raise LastOwner()


def _membership_state(membership: Membership) -> dict:
    return {"user": membership.user_id, "role": membership.role, "service": membership.service_id}


def check_owner_has_no_service(*, role: str, service: Service | None) -> None:
    """An owner works on every service: a service named together with the owner role is a
    contradiction, refused rather than dropped, for a membership and an invitation alike."""
    if role == Role.OWNER and service is not None:
        raise ValidationError({"service": [_("An owner works on every service.")]})


@transaction.atomic
def membership_update(*, membership: Membership, actor, **changes) -> Membership:
    """Changes a member's role and/or service (`service=None`: every service). Promoting a
    member limited to a service makes them owner of every service; naming a service with the
    owner role is refused."""
    before = _membership_state(membership)
    role = changes.get("role", membership.role)
    check_owner_has_no_service(role=role, service=changes.get("service"))
    if membership.role == Role.OWNER and role != Role.OWNER:
        _require_another_owner(membership)
    membership.role = role
    if "service" in changes:
        membership.service = changes["service"]
    if role == Role.OWNER:
        membership.service = None
    after = _membership_state(membership)
    if after == before:
        return membership
    membership.save(update_fields=["role", "service", "updated_at"])
    audit_record(
        tenant_id=membership.tenant_id,
        actor=actor,
        action="membership.updated",
        target=membership,
        before=before,
        after=after,
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    """Takes a member out of the tenant (the account stays, with its other memberships); the
    next request they make to this tenant is refused."""
    if membership.role == Role.OWNER:
        _require_another_owner(membership)
    audit_record(
        tenant_id=membership.tenant_id,
        actor=actor,
        action="membership.removed",
        target=membership,
        before=_membership_state(membership),
    )
    membership.delete()
