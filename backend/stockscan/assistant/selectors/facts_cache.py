"""The facts of a month, kept in the shared cache: computing them reads every line of three
months (tens of milliseconds at thousands of products, hundreds at 50,000), and members ask
several questions in a row about the same figures.

A tenant's cached facts are dropped as soon as its inventory or its credit book changes: every
save or delete of a count line, a loss, a product, a category, a month's count, a ledger entry
or a customer gives the tenant a new
generation (after the transaction commits), and facts are stored under the generation they
were computed in. Writes that skip model signals (`QuerySet.update()`, bulk creates) are
caught by AI_FACTS_CACHE_SECONDS, the longest cached facts are served."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import translation

from stockscan.assistant.models import Scope
from stockscan.assistant.selectors.facts import FactSheet, assistant_facts, includes_credits, scoped_service_ids
from stockscan.entitlements.selectors import effective_plan
from stockscan.orgs.tenancy.permissions import sees_purchase_costs

logger = logging.getLogger("stockscan.assistant")

_GENERATION_TIMEOUT = 24 * 60 * 60


def _generation_key(tenant_id) -> str:
    return f"assistant:facts-generation:{tenant_id}"


def forget_tenant_facts(tenant_id) -> None:
    def renew():
        try:
            cache.set(_generation_key(tenant_id), uuid.uuid4().hex, _GENERATION_TIMEOUT)
        except Exception:
            logger.warning("Cache unreachable: the assistant's facts may be %s s old.", settings.AI_FACTS_CACHE_SECONDS)

    # Now, for this transaction's own reads, and again once committed, for a request that
    # read the old rows in between.
    renew()
    transaction.on_commit(renew)


def _on_change(instance, **kwargs):
    forget_tenant_facts(instance.tenant_id)


def connect_signals() -> None:
    from stockscan.credits.models import Customer, LedgerEntry
    from stockscan.inventory.models import Category, CountLine, Loss, Product, StockCount

    for model in (CountLine, Loss, Product, Category, StockCount, LedgerEntry, Customer):
        uid = f"assistant-facts-{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}-delete")


def cached_assistant_facts(
    *, tenant, membership, month, services: dict, service=None, scope: str = Scope.INVENTORY
) -> FactSheet:
    """`assistant_facts`, from the cache when the tenant's inventory and credit book have not
    changed since."""
    seconds = settings.AI_FACTS_CACHE_SECONDS
    compute = {
        "tenant": tenant,
        "membership": membership,
        "month": month,
        "services": services,
        "service": service,
        "scope": scope,
    }
    if seconds <= 0:
        return assistant_facts(**compute)
    service_ids, single = scoped_service_ids(tenant=tenant, membership=membership, services=services, service=service)
    plan = effective_plan(tenant)
    try:
        generation = cache.get(_generation_key(tenant.pk))
        if generation is None:
            generation = uuid.uuid4().hex
            if not cache.add(_generation_key(tenant.pk), generation, _GENERATION_TIMEOUT):
                generation = cache.get(_generation_key(tenant.pk))
        key = ":".join(
            [
                "assistant:facts",
                str(tenant.pk),
                str(generation),
                f"{month:%Y-%m}",
                ",".join(map(str, service_ids)),
                "costs" if sees_purchase_costs(membership) else "nocosts",
                "credits" if includes_credits(tenant=tenant, membership=membership, scope=scope) else "nocredits",
                translation.get_language() or settings.LANGUAGE_CODE,
                tenant.currency,
                ",".join(sorted(feature.value for feature in plan.features)),
                str(tenant.today()),
            ]
        )
        found = cache.get(key)
    except Exception:
        logger.warning("Cache unreachable: the assistant computes its facts.", exc_info=True)
        return assistant_facts(**compute)
    if found is not None:
        found.service = single
        found.service_type = single.service_type if single is not None else ""
        return found
    sheet = assistant_facts(**compute)
    stored = FactSheet(**{**sheet.__dict__, "service": None, "service_type": ""})
    try:
        cache.set(key, stored, seconds)
    except Exception:
        logger.warning("Cache unreachable: the assistant's facts are not kept.", exc_info=True)
    return sheet
