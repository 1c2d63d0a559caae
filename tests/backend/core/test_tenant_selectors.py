"""Every tenant selector filters by its own tenant, even with the scopes off.

The request scope (django-scopes) hides a selector that forgot its tenant filter: inside the
scope, the missing filter is added for it. Background tasks, commands and the admin read
without a request, so each selector (a function of `stockscan/<app>/selectors*` taking a
`tenant` or a `membership`) is called here with the scopes disabled, for the second of two
tenants that both have rows of every kind, and must answer only about the tenant it was
asked about. The selectors are found by walking the modules: a new one must be given a call
below (or a reason it reads no tenant rows), so it cannot slip past.
"""

import dataclasses
import importlib
import importlib.util
import inspect
import pkgutil
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django_scopes import scopes_disabled

import stockscan
from stockscan.assistant.selectors import conversations, facts_cache, month_summary
from stockscan.assistant.selectors import facts as assistant_facts
from stockscan.billing import selectors as billing
from stockscan.core.audit import audit_record
from stockscan.credits import selectors as credits
from stockscan.credits.models import Customer
from stockscan.entitlements import selectors as entitlements
from stockscan.entitlements.models import UsageCounter
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.entitlements.services import billing_state_update
from stockscan.exports import selectors as exports
from stockscan.exports.models import ExportRecipient
from stockscan.inventory.models import CountLine, ExpiryKind, Product
from stockscan.inventory.selectors import alerts, listing, stats
from stockscan.orgs import selectors as orgs
from stockscan.orgs.models import Membership, Role, Service
from tests.backend.core.api_routes import TENANT_MODELS, walk_month
from tests.conftest import Workspace
from tests.factories import ConversationFactory, CountLineFactory, LossFactory, ProductFactory
from tests.plans import set_plan

MONTH, TODAY = date(2019, 6, 1), date(2019, 6, 15)
SHARED_BARCODE = "3000000000001"  # both tenants sell the same product


def _owner(ws: Workspace) -> Membership:
    return ws.members[Role.OWNER]


def _anchor(ws: Workspace) -> Product:
    """The workspace's product with the barcode both tenants use."""
    return Product.objects.get(tenant=ws.tenant, barcode=SHARED_BARCODE)


def _kitchens(*workspaces: Workspace) -> list[int]:
    return [ws.kitchen.pk for ws in workspaces]


def _every_recipient_email() -> list[str]:
    return list(ExportRecipient.objects.values_list("email", flat=True))


def _services(ws: Workspace) -> dict:
    return {service.pk: service for service in Service.objects.filter(tenant=ws.tenant)}


def _owner_conversation(ws: Workspace):
    owner = ws.user(Role.OWNER)
    found = conversations.conversation_list(tenant=ws.tenant, user=owner).last()
    return found or ConversationFactory(tenant=ws.tenant, user=owner)


def _every_customer_id() -> list[int]:
    return list(Customer.objects.values_list("pk", flat=True))


def _every_email() -> list[str]:
    return list(get_user_model().objects.values_list("email", flat=True))


# How to call each selector for the asked tenant (`a`) next to the other one (`o`). Where a
# selector also takes ids (services, a product, addresses), it is given the other tenant's
# too: they must not bring the other tenant's rows in.
SELECTOR_CALLS = {
    listing.catalog_product_count: lambda a, o: listing.catalog_product_count(a.tenant),
    listing.category_list: lambda a, o: listing.category_list(tenant=a.tenant, membership=_owner(a)),
    listing.area_list: lambda a, o: listing.area_list(tenant=a.tenant, membership=_owner(a)),
    listing.product_list: lambda a, o: listing.product_list(
        tenant=a.tenant, membership=_owner(a), include_archived=True
    ),
    listing.product_by_barcode: lambda a, o: listing.product_by_barcode(
        tenant=a.tenant, membership=_owner(a), barcode=SHARED_BARCODE
    ),
    listing.count_list: lambda a, o: listing.count_list(tenant=a.tenant, membership=_owner(a)),
    listing.count_line_list: lambda a, o: listing.count_line_list(tenant=a.tenant, membership=_owner(a)),
    listing.loss_list: lambda a, o: listing.loss_list(tenant=a.tenant, membership=_owner(a)),
    stats.inventory_stats: lambda a, o: stats.inventory_stats(tenant=a.tenant, membership=_owner(a), month=MONTH),
    stats.product_history: lambda a, o: [stats.product_history(tenant=a.tenant, product=_anchor(ws)) for ws in (a, o)],
    alerts.alert_rows: lambda a, o: alerts.alert_rows(
        tenant=a.tenant, service_ids=_kitchens(a, o), month=MONTH, today=TODAY
    ),
    orgs.service_list: lambda a, o: orgs.service_list(membership=_owner(a)),
    orgs.membership_list: lambda a, o: orgs.membership_list(tenant=a.tenant, viewer=_owner(a)),
    orgs.service_count: lambda a, o: orgs.service_count(a.tenant),
    orgs.seats_used: lambda a, o: orgs.seats_used(a.tenant),
    orgs.invitation_list: lambda a, o: orgs.invitation_list(tenant=a.tenant, viewer=_owner(a)),
    orgs.pending_invitation_list: lambda a, o: orgs.pending_invitation_list(tenant=a.tenant, viewer=_owner(a)),
    orgs.members_summary: lambda a, o: orgs.members_summary(tenant=a.tenant, viewer=_owner(a)),
    orgs.activity_list: lambda a, o: orgs.activity_list(tenant=a.tenant),
    exports.active_memberships_by_email: lambda a, o: exports.active_memberships_by_email(
        tenant=a.tenant, emails=_every_email()
    ),
    exports.recipient_list: lambda a, o: exports.recipient_list(tenant=a.tenant),
    exports.confirmed_recipients_by_email: lambda a, o: exports.confirmed_recipients_by_email(
        tenant=a.tenant, emails=_every_recipient_email()
    ),
    billing.stripe_customer_id: lambda a, o: billing.stripe_customer_id(tenant=a.tenant),
    billing.has_running_subscription: lambda a, o: billing.has_running_subscription(tenant=a.tenant),
    entitlements.monthly_usage: lambda a, o: entitlements.monthly_usage(a.tenant),
    credits.active_customer_count: lambda a, o: credits.active_customer_count(a.tenant),
    credits.credit_book_settings: lambda a, o: credits.credit_book_settings(a.tenant),
    credits.customer_list: lambda a, o: credits.customer_list(tenant=a.tenant, archived="all"),
    credits.customer_figures: lambda a, o: credits.customer_figures(
        tenant=a.tenant, customer_ids=_every_customer_id(), today=date.today()
    ),
    credits.entry_list: lambda a, o: credits.entry_list(tenant=a.tenant),
    credits.entry_statuses: lambda a, o: credits.entry_statuses(
        tenant=a.tenant, entries=list(credits.entry_list(tenant=a.tenant)), today=date.today()
    ),
    credits.dashboard: lambda a, o: credits.dashboard(tenant=a.tenant, today=date.today()),
    credits.reminder_due_credits: lambda a, o: credits.reminder_due_credits(
        tenant=a.tenant, today=date.today(), days_before=[3], days_after=[]
    ),
    entitlements.entitlements_summary: lambda a, o: entitlements.entitlements_summary(a.tenant),
    assistant_facts.assistant_facts: lambda a, o: assistant_facts.assistant_facts(
        tenant=a.tenant, membership=_owner(a), month=MONTH, services=_services(a), service=a.kitchen
    ).as_list(),
    facts_cache.cached_assistant_facts: lambda a, o: facts_cache.cached_assistant_facts(
        tenant=a.tenant, membership=_owner(a), month=MONTH, services=_services(a), service=a.kitchen
    ).as_list(),
    month_summary.month_summary: lambda a, o: dataclasses.asdict(
        month_summary.month_summary(
            tenant=a.tenant,
            service_ids=_kitchens(a, o),
            months=[MONTH, date(2019, 5, 1), date(2019, 4, 1)],
            today=TODAY,
            low_stock=True,
            dead_stock=True,
        )
    ),
    conversations.conversation_list: lambda a, o: conversations.conversation_list(
        tenant=a.tenant, user=a.user(Role.OWNER)
    ),
    conversations.member_conversation: lambda a, o: conversations.member_conversation(
        tenant=a.tenant, user=a.user(Role.OWNER), conversation_id=_owner_conversation(a).pk
    ),
}

# Selectors taking a tenant that read no tenant-owned rows, each with the reason.
NO_TENANT_ROWS = {
    entitlements.effective_plan: "reads the tenant's own row by its primary key, with its plan rows",
    entitlements.forget_effective_plan: "forgets the plan memoised on the tenant object; reads nothing",
    entitlements.current_period: "the tenant's calendar month; reads nothing",
    alerts.excluded_kinds: "the alert kinds the tenant's plan leaves out: reads only the tenant's plan",
    assistant_facts.includes_credits: "reads the member's role and the tenant's plan",
    assistant_facts.scoped_service_ids: "picks among the services it is given (the request's context): reads only "
    "the tenant's plan",
}


def tenant_selectors() -> list:
    """Every public function of a `selectors` module (or package) that takes a tenant or a membership."""
    found = []
    for app in pkgutil.iter_modules(stockscan.__path__):
        name = f"stockscan.{app.name}.selectors"
        if importlib.util.find_spec(name) is None:
            continue
        package = importlib.import_module(name)
        modules = [package] + [
            importlib.import_module(f"{name}.{module.name}")
            for module in pkgutil.iter_modules(getattr(package, "__path__", []))
        ]
        for module in modules:
            for function_name, function in inspect.getmembers(module, inspect.isfunction):
                parameters = inspect.signature(function).parameters
                if (
                    function.__module__ == module.__name__
                    and not function_name.startswith("_")
                    and {"tenant", "membership"} & set(parameters)
                ):
                    found.append(function)
    return found


def _qualified(function) -> str:
    return f"{function.__module__}.{function.__name__}"


def test_every_tenant_selector_is_called_here():
    found = {_qualified(function) for function in tenant_selectors()}
    known = {_qualified(function) for function in [*SELECTOR_CALLS, *NO_TENANT_ROWS]}

    assert found == known, (
        f"selectors to add to SELECTOR_CALLS (or NO_TENANT_ROWS, with a reason): {sorted(found - known)}; "
        f"gone: {sorted(known - found)}"
    )
    assert len(found) >= 20


def _grow(ws: Workspace) -> None:
    """Rows of every kind the selectors read, added to the workspace's tenant."""
    for rows in TENANT_MODELS.values():
        rows.make(ws)
    anchor = _anchor(ws)
    grown = CountLine.objects.filter(tenant=ws.tenant, product=anchor).count()
    CountLineFactory(
        count=walk_month(ws),
        product=anchor,
        quantity=Decimal("1"),
        expiry_date=TODAY + timedelta(days=5 + grown),  # a line of its own each time (its identity)
        expiry_kind=ExpiryKind.DLC,
    )
    LossFactory(product=anchor, occurred_on=TODAY)
    audit_record(tenant_id=ws.tenant.pk, actor=None, action="category.created", after={"name": "Cave"})
    counter, _ = UsageCounter.objects.get_or_create(
        tenant=ws.tenant, metric=Metric.EXPORT_CSV, period=entitlements.current_period(ws.tenant)
    )
    counter.used += 1
    counter.save()
    grown = counter.used
    billing_state_update(
        tenant=ws.tenant,
        reason="test",
        stripe_customer_id=f"cus_{ws.tenant.pk}_{grown}",
        stripe_subscription_id=f"sub_{grown}",
    )


def _plain(value):
    """The answer in comparable form: rows as (model, id), querysets and lists as lists."""
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | models.QuerySet):
        return [_plain(item) for item in value]
    return value


def _foreign_rows(value, tenant) -> list[str]:
    """The rows in the answer that belong to another tenant than `tenant`."""
    if isinstance(value, models.Model):
        owner = getattr(value, "tenant_id", tenant.pk)
        return [] if owner == tenant.pk else [f"{value._meta.label} {value.pk} of tenant {owner}"]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple | set | models.QuerySet):
        return [row for item in value for row in _foreign_rows(item, tenant)]
    return []


@pytest.mark.parametrize("selector", list(SELECTOR_CALLS), ids=_qualified)
def test_selector_answers_only_about_the_tenant_asked(workspace, other_workspace, selector):
    # The asked tenant is the second one made: a selector reading every tenant's rows in id
    # order would find the other tenant's first.
    asked, other = other_workspace, workspace
    call, name = SELECTOR_CALLS[selector], _qualified(selector)
    with scopes_disabled():
        for ws in (other, asked):
            set_plan(ws.tenant, PlanCode.PRO)
            ProductFactory(tenant=ws.tenant, service=ws.kitchen, barcode=SHARED_BARCODE, min_quantity=Decimal("10"))

        def answer():
            value = call(asked, other)
            foreign = _foreign_rows(value, asked.tenant)
            assert not foreign, f"{name} answered the other tenant's rows: {foreign}"
            return _plain(value)

        first = answer()
        _grow(other)
        assert answer() == first, f"{name} moved with the other tenant's rows"
        _grow(asked)
        grown = answer()
        # Proof that the selector reads what it is asked about: its answer moved, or it is a row.
        assert grown != first or isinstance(first, tuple), f"{name} does not see the asked tenant's rows"
        _grow(other)
        assert answer() == grown, f"{name} moved with the other tenant's rows"
