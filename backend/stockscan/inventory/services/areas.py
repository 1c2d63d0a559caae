"""A service's areas (réserve, frigo, bar, cave…): where its stock is counted, in the order
the team walks through them. An area with counted lines cannot be deleted (409
OBJECT_IN_USE): last months' lines say where they were counted; its products only lose it as
their default area."""

from django.db import IntegrityError, transaction

from stockscan.core.audit import audit_record
from stockscan.inventory.errors import AreaNameTaken
from stockscan.inventory.models import Area


def _save(area: Area) -> Area:
    try:
        with transaction.atomic():
            area.save()
    except IntegrityError:
        raise AreaNameTaken() from None
    return area


@transaction.atomic
def area_create(*, tenant, service, actor, name: str, position: int | None = None) -> Area:
    if position is None:  # at the end of the walk
        last = Area.objects.filter(tenant=tenant, service=service).order_by("-position").first()
        position = last.position + 1 if last else 0
    area = _save(Area(tenant=tenant, service=service, name=name, position=position))
    audit_record(tenant_id=tenant.pk, actor=actor, action="area.created", target=area, after={"name": name})
    return area


@transaction.atomic
def area_update(*, area: Area, actor, **changes) -> Area:
    for name, value in changes.items():
        setattr(area, name, value)
    _save(area)
    audit_record(tenant_id=area.tenant_id, actor=actor, action="area.updated", target=area, after={"name": area.name})
    return area


@transaction.atomic
def area_delete(*, area: Area, actor) -> None:
    audit_record(tenant_id=area.tenant_id, actor=actor, action="area.deleted", target=area, before={"name": area.name})
    area.delete()
