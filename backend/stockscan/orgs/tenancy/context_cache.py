"""The tenant context of a user's requests, kept in the cache between requests.

Every tenant request needs the same rows: the user, the membership, the tenant with the
rows its plan is computed from, and the tenant's services. Loading them costs more than
most pages (several queries, and the ORM's work for each). They change rarely, so a
request reads them from the cache when it can (one round trip) and loads them otherwise.

No secret is kept: the user is stored without its password hash, with instead the digest of
it that simplejwt compares with an access token's revocation claim — a value every access
token carries in clear, which can neither log in nor test a password. The other rows hold
no credential (Stripe's customer and subscription ids are useless without the API key).

A cached context is served only while its user's *generation* is the one it was stored
under. Every write to a row a context holds gives each user it concerns a new generation
(`forget_users`, wired to the models' signals below), once when the row is written and once
more after the transaction commits: a request that read the old rows in between stored
them under a generation that no longer exists. The generation is read before the rows are,
so a context never holds rows older than its generation. Writes that skip model signals
(`QuerySet.update()`, raw SQL) must call `forget_users` themselves; none of the cached
models is written that way today.

A change is seen by the next request when its invalidation reaches the cache. When it does
not (Redis unreachable from the process that wrote the change, which then renews the
generations in its own memory only: stockscan.core.resilient_cache), other processes may
serve the context they hold until its entry expires: TENANT_CONTEXT_CACHE_SECONDS, capped at
10 s in the settings, is that bound for a removed or demoted member.

The cache must be shared by every process that serves requests (Redis): the setting
defaults to 0, off, without REDIS_URL.
"""

import functools
import hashlib
import logging
import uuid

import django
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django_scopes import scopes_disabled

logger = logging.getLogger("stockscan.tenancy")

# Generations outlive the contexts stored under them; one that expires is replaced by a new
# one, which only makes the next request load its context again.
GENERATION_TIMEOUT = 24 * 60 * 60


def _models():
    from stockscan.accounts.models import User
    from stockscan.entitlements.models import BillingState, TenantPlanOverride
    from stockscan.orgs.models import Membership, Service, Tenant

    return User, Membership, Tenant, Service, BillingState, TenantPlanOverride


# Changed with what a context holds (v2: the user without its password hash, and its digest).
CONTEXT_FORMAT = "v2"


@functools.cache
def _shape() -> str:
    """Contexts are pickled model instances: a deploy that changes the models' fields, what a
    context holds, or Django reads none of the contexts an older release stored."""
    fields = [f"{model._meta.label}.{field.attname}" for model in _models() for field in model._meta.concrete_fields]
    return hashlib.sha256(" ".join([CONTEXT_FORMAT, django.get_version(), *fields]).encode()).hexdigest()[:12]


def enabled() -> bool:
    return settings.TENANT_CONTEXT_CACHE_SECONDS > 0


def _generation_key(user_id) -> str:
    return f"tenancy:generation:{user_id}"


def _context_key(user_id, requested_tenant_id) -> str:
    return f"tenancy:context:{_shape()}:{user_id}:{requested_tenant_id or 'first'}"


def lookup(user_id, requested_tenant_id: int | None):
    """(context or None, generation): the cached context of this user for this requested
    tenant (None: their first membership), and the generation to store a freshly loaded
    one under (None: do not store)."""
    if not enabled():
        return None, None
    generation_key, context_key = _generation_key(user_id), _context_key(user_id, requested_tenant_id)
    try:
        found = cache.get_many([generation_key, context_key])
        generation = found.get(generation_key)
        if generation is None:
            generation = uuid.uuid4().hex
            if not cache.add(generation_key, generation, GENERATION_TIMEOUT):
                generation = cache.get(generation_key)  # another request's, added meanwhile
            return None, generation
    except Exception:  # the cache is an optimisation: without it, the database answers
        logger.warning("Tenant context cache unreachable; reading the database.", exc_info=True)
        return None, None
    stored = found.get(context_key)
    if stored is not None and stored[0] == generation:
        return stored[1], generation
    return None, generation


def store(user_id, requested_tenant_id: int | None, generation: str | None, context) -> None:
    """Keeps a context loaded after `lookup` gave `generation`. Call it before anything is
    memoised on the context's instances: what is stored is what was read."""
    if generation is None:
        return
    try:
        cache.set(
            _context_key(user_id, requested_tenant_id),
            (generation, context),
            settings.TENANT_CONTEXT_CACHE_SECONDS,
        )
    except Exception:
        logger.warning("Tenant context cache unreachable; context not kept.", exc_info=True)


def forget_users(user_ids) -> None:
    """New generations for these users, now and after the current transaction commits."""
    user_ids = sorted(set(user_ids))
    if not user_ids or not enabled():
        return

    def renew():
        try:
            cache.set_many({_generation_key(user_id): uuid.uuid4().hex for user_id in user_ids}, GENERATION_TIMEOUT)
        except Exception:
            logger.error(
                "Tenant context cache unreachable: contexts of %s user(s) may be served for up to %s s.",
                len(user_ids),
                settings.TENANT_CONTEXT_CACHE_SECONDS,
                exc_info=True,
            )

    renew()
    transaction.on_commit(renew)


def _members_of(tenant_id) -> list:
    _, Membership, *_ = _models()
    with scopes_disabled():
        return list(Membership.objects.filter(tenant_id=tenant_id).values_list("user_id", flat=True))


def _on_user(instance, **kwargs):
    forget_users([instance.pk])


def _on_membership(instance, **kwargs):
    forget_users([instance.user_id])


def _on_tenant(instance, **kwargs):
    forget_users(_members_of(instance.pk))


def _on_tenant_row(instance, **kwargs):
    forget_users(_members_of(instance.tenant_id))


def connect_signals() -> None:
    User, Membership, Tenant, Service, BillingState, TenantPlanOverride = _models()
    receivers = {
        User: _on_user,
        Membership: _on_membership,
        Tenant: _on_tenant,
        Service: _on_tenant_row,
        BillingState: _on_tenant_row,
        TenantPlanOverride: _on_tenant_row,
    }
    for model, receiver in receivers.items():
        uid = f"tenancy-cache-{model._meta.label}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")
