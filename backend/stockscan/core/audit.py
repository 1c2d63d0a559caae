from django.db import models

from stockscan.core.models import AuditEntry


def audit_record(
    *,
    tenant_id: int | None,
    actor,
    action: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.with_scopes_disabled().create(
        tenant_id=tenant_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        before=before or {},
        after=after or {},
    )
