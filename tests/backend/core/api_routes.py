"""The project's API routes, found by walking the URL configuration, and how to make a row
for each tenant model they serve.

The isolation walk, the role matrix, the bad-input checks and the query-count tests use this,
so a new endpoint is covered the day it is added: it either names a registered tenant model
(through its view's `queryset` or a `tenant_model` attribute) or sits in the allowlist with a
reason. Anything else fails the walk with a message saying what to do. What a route accepts
is read from the view itself: its methods (viewset actions, extra `@action`s included, or
APIView handlers), the permission it declares for each, and, from the OpenAPI schema, whether
it reads a body and which fields.
"""

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

from django.db import models
from django.db.models import Max
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone
from django_scopes import scopes_disabled
from drf_spectacular.generators import SchemaGenerator

from stockscan.assistant.models import Conversation
from stockscan.credits.models import CreditEntry, Customer, LedgerEntry, PaymentEntry
from stockscan.exports.models import ExportRecipient, ExportRecipientStatus
from stockscan.inventory.models import Area, Category, CountLine, Loss, Product, StockCount
from stockscan.orgs.models import Invitation, Membership, Role, Service
from stockscan.orgs.presets import ServiceType
from stockscan.orgs.tenancy.permissions import Perm, required_permission
from stockscan.orgs.tenancy.views import TenantScopedMixin
from tests.backend.core.responses import send
from tests.conftest import Workspace
from tests.factories import (
    AreaFactory,
    CategoryFactory,
    ConversationFactory,
    CountLineFactory,
    InvitationFactory,
    LossFactory,
    MembershipFactory,
    ProductFactory,
    ServiceFactory,
    StockCountFactory,
)

# Routes under /api/ that serve no tenant object, each with the reason it may skip the walk.
# A tenant view (one built on TenantScopedMixin) can never be listed here.
NO_TENANT_OBJECT_ROUTES: dict[str, str] = {
    "health": "platform health check; reads no business data",
    "schema": "OpenAPI document of the API itself",
    "docs": "Swagger UI page for the schema",
    "register": "creates a new user and a new tenant; reads no existing tenant",
    "login": "exchanges credentials for tokens; answers only about the caller",
    "token-refresh": "rotates the caller's own refresh token",
    "logout": "blacklists the caller's own refresh token",
    "me": "the caller's own profile and memberships (the one cross-tenant read, by design)",
    "password-change": "changes the caller's own password",
    "password-reset": "emails a reset link; answers the same whoever asks",
    "password-reset-confirm": "consumes a reset token; touches only the user it names",
    "email-confirm": "consumes an email change token; touches only the user who asked for that change",
    "invitation-accept": "public invitation link: the token names its one invitation; unknown, expired and "
    "used tokens answer alike (tests/backend/orgs/test_invitation_links.py)",
    "invitation-decline": "public invitation link: declines the one invitation its token names",
    "export-recipient-confirm": "public confirmation link of an outside export recipient: the token names its one "
    "recipient; unknown, expired and used tokens answer alike (tests/backend/exports/test_recipients.py)",
    "sendgrid-webhook": "SendGrid's signed event webhook: no user, no tenant; rows are found by SendGrid's "
    "message id (tests/backend/mail/test_sendgrid_webhook.py)",
    "api-not-found": "catch-all answering the JSON 404 for unknown /api/ paths",
    "plans": "the public plan catalogue: the same for everyone, no tenant data",
    "customer-access": "the credit book's public view by access code: the code names its one customer; unknown, "
    "revoked and malformed codes answer alike (tests/backend/credits/test_customer_access.py)",
    "customer-shared-statement": "a shared statement link: the signed token names its one customer; tampered, "
    "expired and revoked links answer alike (tests/backend/credits/test_customer_access.py)",
    "billing-webhook": (
        "Stripe's webhook: no token, authenticated by the Stripe-Signature over the raw body; the tenant "
        "comes from the stored Stripe customer, never from the caller"
    ),
}

# Tenant routes with no object id and no rows to list: they answer about the caller's current
# tenant as a whole. The walk checks that another tenant's id in X-Tenant-Id is not found and
# that the answer does not move when another tenant's data does.
CURRENT_TENANT_ROUTES: dict[str, str] = {
    "entitlements": "the current tenant's plan, limits and usage",
    "members-summary": "the current tenant's members, pending invitations and seats",
    "inventory-stats": "aggregates of the current tenant's counts and losses for one month",
    "alerts": "the current tenant's low-stock and expiry alerts for one month",
    "billing-checkout": "starts a Stripe Checkout for the current tenant (its own Stripe customer)",
    "billing-portal": "opens Stripe's customer portal for the current tenant's Stripe customer",
    "export-excel": "an XLSX file of one of the current tenant's services for one month",
    "exports": "a CSV/XLSX file of the current tenant's counts and losses over a range of months; POST emails it",
    "tenant-settings": "the current tenant's own settings",
    "activity": "the current tenant's audit rows, in words",
    "ai-assistant": "the assistant's answer about the current tenant's month, from its own figures",
    "credit-dashboard": "the current tenant's credit book figures (outstanding, overdue, ageing, top debtors)",
    "credit-settings": "the current tenant's credit book settings (payment term, reminder schedule)",
}

# Query parameters a current-tenant route needs to answer (the walk's rows are in June 2019).
CURRENT_TENANT_QUERY: dict[str, Callable[[Workspace], dict]] = {
    "inventory-stats": lambda ws: {"service": ws.kitchen.pk, "month": "2019-06"},
    "alerts": lambda ws: {"month": "2019-06"},
    "export-excel": lambda ws: {"service": ws.kitchen.pk, "month": "2019-06"},
    "exports": lambda ws: {"from": "2019-06", "to": "2019-06", "service": "all", "format": "csv"},
}

# A valid body for a current-tenant route that reads one.
CURRENT_TENANT_BODY: dict[str, Callable[[Workspace], dict]] = {
    "billing-checkout": lambda ws: {"plan": "PRO", "cycle": "MONTHLY"},
    "exports": lambda ws: {
        "from": "2019-06",
        "to": "2019-06",
        "service": "all",
        "format": "csv",
        "email": ws.user(Role.OWNER).email,
    },
    "ai-assistant": lambda ws: {"service": ws.kitchen.pk, "month": "2019-06"},
}


def walk_month(ws: Workspace) -> StockCount:
    """The one month (June 2019) that the walk's count lines of a workspace go to."""
    with scopes_disabled():
        count = StockCount.objects.filter(service=ws.kitchen, month=date(2019, 6, 1)).first()
    return count or StockCountFactory(tenant=ws.tenant, service=ws.kitchen, month=date(2019, 6, 1))


@dataclass(frozen=True)
class TenantRows:
    """How to add one row of a tenant model to a workspace, and a valid body to create one
    through the model's list route (used to check that a POST cannot reach another tenant)."""

    make: Callable[[Workspace], models.Model]
    create_body: Callable[[Workspace], dict]
    # Query parameters the model's list route needs to list the rows `make` adds.
    list_query: Callable[[Workspace], dict] = lambda ws: {}
    # Whether a member limited to one service sees only the rows of that service (`make`
    # puts its row outside the workspace's bar, which `operator_bar` is limited to).
    service_scoped: bool = True


def make_export_recipient(ws: Workspace) -> ExportRecipient:
    """A confirmed outside recipient (it can receive exports), its link sent an hour ago."""
    with scopes_disabled():
        number = ExportRecipient.objects.count() + 1
        return ExportRecipient.objects.create(
            tenant=ws.tenant,
            name=f"Cabinet {number}",
            email=f"compta{number}@cabinet.test",
            status=ExportRecipientStatus.CONFIRMED,
            added_by=ws.user(Role.OWNER),
            confirmed_at=timezone.now(),
            last_sent_at=timezone.now() - timedelta(hours=1),
            send_count=1,
        )


def walk_customer(ws: Workspace) -> Customer:
    with scopes_disabled():
        return Customer.objects.create(tenant=ws.tenant, name=f"Client {Customer.objects.count() + 1}")


def walk_credit(ws: Workspace) -> LedgerEntry:
    """A new customer owing a credit of 100."""
    customer = walk_customer(ws)
    with scopes_disabled():
        return LedgerEntry.objects.create(
            tenant=ws.tenant,
            customer=customer,
            kind="CREDIT",
            amount=100,
            signed_amount=100,
            occurred_on=timezone.localdate(),
            # Three days ahead: the reminder schedule's default "3 days before" step.
            due_date=timezone.localdate() + timedelta(days=3),
        )


def walk_payment(ws: Workspace) -> LedgerEntry:
    """A new customer who owed 100 and paid 10 of it: the row is the payment."""
    credit = walk_credit(ws)
    with scopes_disabled():
        return LedgerEntry.objects.create(
            tenant=ws.tenant,
            customer=credit.customer,
            kind="PAYMENT",
            amount=10,
            signed_amount=-10,
            occurred_on=timezone.localdate(),
        )


# Register every tenant model an API route serves. Each `make` call must add a new row.
TENANT_MODELS: dict[type[models.Model], TenantRows] = {
    Service: TenantRows(
        make=lambda ws: ServiceFactory(tenant=ws.tenant, service_type=ServiceType.GROCERY_FOOD),
        create_body=lambda ws: {"name": "Cave", "service_type": ServiceType.BAR},
    ),
    Membership: TenantRows(
        make=lambda ws: MembershipFactory(tenant=ws.tenant, role=Role.OPERATOR, service=ws.kitchen),
        create_body=lambda ws: {"email": "newcomer@example.test", "role": Role.OPERATOR, "service": ws.kitchen.pk},
        service_scoped=False,
    ),
    Invitation: TenantRows(
        # Sent an hour ago, so that a resend is not refused as too soon.
        make=lambda ws: InvitationFactory(
            tenant=ws.tenant, invited_by=ws.user(Role.OWNER), last_sent_at=timezone.now() - timedelta(hours=1)
        ),
        create_body=lambda ws: {},
        service_scoped=False,
    ),
    ExportRecipient: TenantRows(
        make=make_export_recipient,
        create_body=lambda ws: {"name": "Cabinet Diallo", "email": "compta@cabinet-diallo.test"},
        service_scoped=False,
    ),
    Category: TenantRows(
        make=lambda ws: CategoryFactory(tenant=ws.tenant, service=ws.kitchen),
        create_body=lambda ws: {"name": "Épicerie sèche"},
    ),
    Area: TenantRows(
        make=lambda ws: AreaFactory(tenant=ws.tenant, service=ws.kitchen),
        create_body=lambda ws: {"name": "Réserve"},
    ),
    Product: TenantRows(
        make=lambda ws: ProductFactory(tenant=ws.tenant, service=ws.kitchen),
        create_body=lambda ws: {"name": "Farine T55", "unit": "kg"},
    ),
    StockCount: TenantRows(
        make=lambda ws: StockCountFactory(tenant=ws.tenant, service=ws.kitchen),
        create_body=lambda ws: {"month": f"{ws.tenant.today():%Y-%m}"},
    ),
    CountLine: TenantRows(
        make=lambda ws: CountLineFactory(count=walk_month(ws), product__service=ws.kitchen),
        create_body=lambda ws: {
            "count": walk_month(ws).pk,
            "product": ProductFactory(tenant=ws.tenant, service=ws.kitchen).pk,
            "quantity": "3",
        },
        list_query=lambda ws: {"service": ws.kitchen.pk, "month": "2019-06"},
    ),
    Loss: TenantRows(
        make=lambda ws: LossFactory(product__tenant=ws.tenant, product__service=ws.kitchen),
        create_body=lambda ws: {
            "product": ProductFactory(tenant=ws.tenant, service=ws.kitchen).pk,
            "quantity": "1",
            "reason": "breakage",
            "occurred_on": "2019-06-15",
        },
    ),
    # A member's own thread: the walk's requests are the owner's, so the owner's rows.
    Conversation: TenantRows(
        make=lambda ws: ConversationFactory(tenant=ws.tenant, user=ws.user(Role.OWNER)),
        create_body=lambda ws: {},
        service_scoped=False,
    ),
    Customer: TenantRows(
        make=walk_customer,
        create_body=lambda ws: {"name": "Awa Diallo", "phone": "+221771234567"},
        service_scoped=False,
    ),
    # The whole ledger (list, detail, reversal): its row is a credit; the body is a reversal's.
    LedgerEntry: TenantRows(make=walk_credit, create_body=lambda ws: {"reason": "erreur"}, service_scoped=False),
    CreditEntry: TenantRows(
        make=walk_credit,
        create_body=lambda ws: {"customer": walk_customer(ws).pk, "amount": "10"},
        service_scoped=False,
    ),
    # A payment of 10 by a customer who owes 100 (the body's credit is no payment row).
    PaymentEntry: TenantRows(
        make=walk_payment,
        create_body=lambda ws: {"customer": walk_credit(ws).customer_id, "amount": "10"},
        service_scoped=False,
    ),
}

# Tenant routes that find one row by a query parameter rather than an id in the path: the
# walk asks them for tenant A's row as tenant B (must be not found) and for B's own row.
LOOKUP_ROUTES: dict[str, Callable[[models.Model], dict]] = {
    "product-lookup": lambda product: {"barcode": product.barcode},
}

# URL keyword arguments the walk knows how to fill for a detail route: the object's key.
OBJECT_KWARGS = {"pk", "id"}

# Every method a detail route is tried with: the ones it accepts must answer as for a missing
# object, the others 405.
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class ApiRoute:
    name: str  # namespaced URL name
    pattern: str  # the full pattern, for messages
    callback: Callable
    kwarg_names: frozenset[str]

    def __str__(self):
        return f"{self.name} ({self.pattern})"

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def is_tenant_view(self) -> bool:
        return self.view_class is not None and issubclass(self.view_class, TenantScopedMixin)

    @property
    def is_detail(self) -> bool:
        return bool(self.kwarg_names)

    @property
    def methods(self) -> frozenset[str]:
        """The HTTP methods the route has a handler for (OPTIONS and HEAD left aside)."""
        actions = getattr(self.callback, "actions", None)
        if actions is not None:
            return frozenset(method.upper() for method in actions) - {"HEAD", "OPTIONS"}
        cls = self.view_class
        if cls is None:
            return frozenset()
        return frozenset(
            method.upper()
            for method in cls.http_method_names
            if method not in ("options", "head") and hasattr(cls, method)
        )

    def action(self, method: str) -> str | None:
        """The viewset action the method runs (None for an APIView)."""
        return (getattr(self.callback, "actions", None) or {}).get(method.lower())

    def permission(self, method: str) -> Perm | None:
        """The permission the view declares for this method, read as the permission class reads it."""
        cls = self.view_class
        view = SimpleNamespace(permissions=getattr(cls, "permissions", {}), action=self.action(method))
        return required_permission(view, SimpleNamespace(method=method))

    @property
    def model(self) -> type[models.Model] | None:
        cls = self.view_class
        if cls is None:
            return None
        model = getattr(cls, "tenant_model", None)
        if model is None:
            queryset = getattr(cls, "queryset", None)
            model = queryset.model if queryset is not None else None
        return model

    def url(self, obj: models.Model | None = None) -> str:
        """The route's URL, with the trailing slash when the route accepts it (as the SPA sends)."""
        kwargs = dict.fromkeys(self.kwarg_names, obj.pk) if obj is not None else {}
        url = reverse(self.name, kwargs=kwargs)
        if not url.endswith("/"):
            try:
                if _route_name(resolve(url + "/")) == self.name:
                    url += "/"
            except Resolver404:
                pass
        return url


def _route_name(match) -> str:
    return ":".join([*match.namespaces, match.url_name])


def _walk(patterns, prefix: str, namespace: str, kwarg_names: frozenset[str]) -> Iterator[ApiRoute]:
    for entry in patterns:
        names = kwarg_names | frozenset(entry.pattern.regex.groupindex)
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from _walk(entry.url_patterns, pattern, inner, names)
        elif isinstance(entry, URLPattern):
            name = ":".join(part for part in (namespace, entry.name) if part) if entry.name else ""
            yield ApiRoute(name=name, pattern=pattern, callback=entry.callback, kwarg_names=names)


def api_routes() -> list[ApiRoute]:
    """Every URL pattern whose path starts with api/."""
    return [
        route
        for route in _walk(get_resolver().url_patterns, "", "", frozenset())
        if route.pattern.lstrip("^").startswith("api/")
    ]


def classification_problems(routes: list[ApiRoute]) -> list[str]:
    """What keeps the walk from covering every route, each with what the developer should do."""
    problems = []
    names = {route.name for route in routes}
    for name in sorted(set(NO_TENANT_OBJECT_ROUTES) - names):
        problems.append(f"{name}: in NO_TENANT_OBJECT_ROUTES but no such /api/ route exists; remove it.")
    for name in sorted(set(CURRENT_TENANT_ROUTES) - names):
        problems.append(f"{name}: in CURRENT_TENANT_ROUTES but no such /api/ route exists; remove it.")
    for route in routes:
        if not route.name:
            problems.append(f"{route.pattern}: give this route a name= so the isolation walk can reverse it.")
            continue
        if route.name in NO_TENANT_OBJECT_ROUTES:
            if route.is_tenant_view:
                problems.append(
                    f"{route}: a tenant view cannot be allowlisted; register its model in TENANT_MODELS instead."
                )
            continue
        if route.name in CURRENT_TENANT_ROUTES:
            if not route.is_tenant_view or route.is_detail:
                problems.append(
                    f"{route}: CURRENT_TENANT_ROUTES is for tenant views without URL arguments; classify it elsewhere."
                )
            continue
        model = route.model
        if model is None:
            problems.append(
                f"{route}: the walk cannot tell which tenant model this route serves. Give the view a "
                "`queryset` (e.g. Model.objects.none()) or a `tenant_model` attribute and register the model "
                "in TENANT_MODELS (tests/backend/core/api_routes.py); if it answers about the current tenant "
                "as a whole (no id, no rows), add it to CURRENT_TENANT_ROUTES; if it serves no tenant data at "
                "all, add it to NO_TENANT_OBJECT_ROUTES. Each entry takes a one-line reason."
            )
        elif model not in TENANT_MODELS:
            problems.append(
                f"{route}: serves {model._meta.label}, which is not registered. Add a TenantRows entry for it "
                "to TENANT_MODELS in tests/backend/core/api_routes.py so the isolation walk covers this route."
            )
        elif unknown := route.kwarg_names - OBJECT_KWARGS:
            problems.append(
                f"{route}: URL arguments {sorted(unknown)} are unknown to the walk; teach ApiRoute.url to fill them."
            )
        else:
            try:
                route.url(None if not route.is_detail else model(pk=1))
            except NoReverseMatch as exc:
                problems.append(f"{route}: cannot be reversed ({exc}).")
    return problems


def tenant_routes(routes: list[ApiRoute] | None = None) -> list[ApiRoute]:
    """The routes that serve a registered tenant model: the ones the walk checks by object."""
    return [
        route
        for route in (api_routes() if routes is None else routes)
        if route.name
        and route.name not in NO_TENANT_OBJECT_ROUTES
        and route.name not in CURRENT_TENANT_ROUTES
        and route.model in TENANT_MODELS
    ]


def current_tenant_routes() -> list[ApiRoute]:
    return [route for route in api_routes() if route.name in CURRENT_TENANT_ROUTES and route.is_tenant_view]


def tenant_list_routes() -> list[ApiRoute]:
    return [route for route in tenant_routes() if not route.is_detail and route.name not in LOOKUP_ROUTES]


def tenant_lookup_routes() -> list[ApiRoute]:
    return [route for route in tenant_routes() if route.name in LOOKUP_ROUTES]


def tenant_detail_routes(routes: list[ApiRoute] | None = None) -> list[ApiRoute]:
    return [route for route in tenant_routes(routes) if route.is_detail]


def tenant_view_routes(routes: list[ApiRoute] | None = None) -> list[ApiRoute]:
    """Every route served by a tenant view: the ones the role matrix covers."""
    return [route for route in (api_routes() if routes is None else routes) if route.is_tenant_view]


def detail_method_cases(routes: list[ApiRoute]) -> list[tuple[ApiRoute, str]]:
    """(route, method) for every detail route and every method, accepted or not."""
    return [(route, method) for route in routes for method in sorted(HTTP_METHODS | route.methods)]


def row_ids(model: type[models.Model], tenant) -> set[int]:
    """The ids of the tenant's rows of this model, read outside any request scope."""
    with scopes_disabled():
        return set(model.objects.filter(tenant=tenant).values_list("pk", flat=True))


def tenant_rows(tenant) -> dict[str, set[int]]:
    """The ids of the tenant's rows of every registered model."""
    return {model._meta.label: row_ids(model, tenant) for model in TENANT_MODELS}


def unused_pk(model: type[models.Model]) -> int:
    with scopes_disabled():
        highest = model.objects.aggregate(highest=Max("pk"))["highest"] or 0
    return highest + 1000


def snapshot(obj: models.Model) -> dict | None:
    """The row as stored now (None once deleted)."""
    with scopes_disabled():
        return type(obj).objects.filter(pk=obj.pk).values().first()


def listed_ids(response) -> set[int]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


def error_code(response) -> str | None:
    if response.streaming or not response.get("Content-Type", "").startswith("application/json"):
        return None
    body = response.json()
    return body.get("code") if isinstance(body, dict) else None


def _said(response) -> str:
    content = b"<file>" if response.streaming else response.content[:300]
    return f"{response.status_code} {content!r}"


def foreign_object_problems(route: ApiRoute, method: str, *, victim: Workspace, intruder: Workspace) -> list[str]:
    """What goes wrong when the intruder's owner sends `method` to the route with the id of a
    new row of the victim: it must answer exactly as for an id that does not exist (404 for a
    method the route accepts, 405 for the others) and change nothing of the victim's."""
    rows = TENANT_MODELS[route.model]
    target = rows.make(victim)
    # A valid body, so that nothing but the object lookup has a reason to refuse.
    body = rows.create_body(victim)
    before, victim_rows = snapshot(target), tenant_rows(victim.tenant)
    client = intruder.client(Role.OWNER)
    url = route.url(target)

    response = send(client, method, url, body)
    missing = send(client, method, route.url(route.model(pk=unused_pk(route.model))), body)

    problems = []
    expected = (404, "NOT_FOUND") if method in route.methods else (405, "METHOD_NOT_ALLOWED")
    label = f"{method} {url} ({route.name}) with tenant A's {route.model._meta.label} id, sent by tenant B"
    if (response.status_code, error_code(response)) != expected:
        problems.append(f"{label}: answered {_said(response)}, expected {expected[0]} {expected[1]}")
    elif response.json() != missing.json():
        problems.append(f"{label}: answered {response.json()}, unlike a missing id: {missing.json()}")
    if snapshot(target) != before:
        problems.append(f"{label}: changed tenant A's row")
    if tenant_rows(victim.tenant) != victim_rows:
        problems.append(f"{label}: added or removed rows of tenant A")
    return problems


# --- Calling a route as a member would


@dataclass(frozen=True)
class RouteCall:
    url: str  # with its query string
    body: dict | None
    target: models.Model | None  # the row a detail route is called for


def route_call(route: ApiRoute, method: str, *, owner: Workspace, caller: Workspace, service: Service) -> RouteCall:
    """A valid request of the route by a member of `caller` working in `service`: a detail
    route is called for a new row of `owner`, a list or a create in the caller's tenant."""
    name, sends_body = route.name, method in BODY_METHODS
    if name in CURRENT_TENANT_ROUTES:
        query = CURRENT_TENANT_QUERY.get(name, lambda ws: {})(caller) if method == "GET" else {}
        body = CURRENT_TENANT_BODY.get(name, lambda ws: {})(caller) if sends_body else None
        return RouteCall(_with_query(route.url(), query), body, None)
    rows = TENANT_MODELS[route.model]
    if route.is_detail:
        target = rows.make(owner)
        return RouteCall(route.url(target), rows.create_body(owner) if sends_body else None, target)
    if name in LOOKUP_ROUTES:
        query = LOOKUP_ROUTES[name](rows.make(caller))
    else:
        query = {"page_size": 200, **rows.list_query(caller)} if method == "GET" else {}
    query["service"] = service.pk
    return RouteCall(_with_query(route.url(), query), rows.create_body(caller) if sends_body else None, None)


def _with_query(url: str, query: dict) -> str:
    return f"{url}?{urlencode(query)}" if query else url


# --- The request bodies, as the OpenAPI schema describes them


@functools.cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _schema_path_pattern(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path.rstrip("/"))) + "/?$")


def request_body_schema(route: ApiRoute, method: str) -> dict | None:
    """The JSON body the schema says the route's method reads (None: it reads none)."""
    url = reverse(route.name, kwargs=dict.fromkeys(route.kwarg_names, 1))
    schema = _schema()
    # A literal path first: /api/products/lookup/ is not /api/products/{id}/.
    for path in sorted(schema["paths"], key=lambda path: path.count("{")):
        operation = schema["paths"][path].get(method.lower())
        if operation is not None and _schema_path_pattern(path).match(url):
            body = operation.get("requestBody")
            if body is None or "application/json" not in body["content"]:
                return None
            return _resolve(body["content"]["application/json"]["schema"], schema)
    raise LookupError(f"{method} {url} ({route.name}) is not in the OpenAPI schema: describe it there.")


def _resolve(node: dict, schema: dict) -> dict:
    if "$ref" in node:
        return schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node
