"""The demo business: a French bistro with a kitchen and a bar, each with its areas (chambre
froide, réserve… ; bar, cave…) and its products in shelf order, three closed months and the
current one half counted (its checklist shows the rest), losses of every reason, a few alerts and a pending invitation.

Everything is written through the apps' own services, as the team would through the API, so
the demo obeys the same rules as real data. Quantities come from a seeded random generator:
the same day gives the same demo.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django_scopes import scope, scopes_disabled

from stockscan.core.months import previous_month
from stockscan.demo.catalogue import BAR, KITCHEN
from stockscan.demo.credit_book import demo_credit_book
from stockscan.entitlements.models import PlanGrant, TenantPlanOverride
from stockscan.entitlements.plans import PlanCode
from stockscan.inventory.models import CountLine, Loss, LossReason, Product
from stockscan.inventory.services.areas import area_create
from stockscan.inventory.services.catalog import category_create, product_create
from stockscan.inventory.services.counting import count_close, count_start, line_count
from stockscan.inventory.services.losses import loss_record
from stockscan.orgs.models import Invitation, InvitationStatus, Membership, Role, Service, Tenant
from stockscan.orgs.presets import ServiceType, preset_for
from stockscan.orgs.services.invitations import invitation_create

DEMO_TENANT_SLUG = "demo-bistrot"
DEMO_TENANT_NAME = "Le Bistrot Démo"
DEMO_PASSWORD = "Demo-StockScan-2026"
DEMO_EMAIL_DOMAIN = "demo.stockscan.local"
KITCHEN_NAME, BAR_NAME = "Cuisine", "Bar"
INVITED_EMAIL = f"second.chef@{DEMO_EMAIL_DOMAIN}"
CLOSED_MONTHS = 3


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    service: str | None = None

    @property
    def email(self) -> str:
        return f"{self.username}@{DEMO_EMAIL_DOMAIN}"


DEMO_USERS = (
    DemoUser("demo-owner", "Camille", "Martin", Role.OWNER),
    DemoUser("demo-manager", "Awa", "Diallo", Role.MANAGER),
    DemoUser("demo-operator", "Lucas", "Bernard", Role.OPERATOR, BAR_NAME),
)


def ean13(serial: int) -> str:
    """A valid EAN-13 in the French range (376…), with its check digit."""
    body = f"376{serial:09d}"
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


def demo_business_seed(*, reset: bool = False, today: date | None = None) -> Tenant:
    """Creates the demo business, or completes it: idempotent, and the demo users' passwords
    are set again. `reset` deletes the business's data first and starts it again."""
    with transaction.atomic(), scopes_disabled():
        if reset:
            _delete_demo_business()
        tenant, users, services = _business()
    today = today or tenant.today()
    with transaction.atomic(), scope(tenant=tenant.pk):
        if not Product.objects.filter(tenant=tenant).exists():
            _inventory(tenant, users, services, today=today)
        if not Invitation.objects.filter(tenant=tenant, status=InvitationStatus.PENDING).exists():
            invitation_create(tenant=tenant, actor=users[Role.OWNER], email=INVITED_EMAIL, role=Role.MANAGER)
        demo_credit_book(tenant=tenant, owner=users[Role.OWNER], today=today)
    return tenant


def _delete_demo_business() -> None:
    tenant = Tenant.objects.filter(slug=DEMO_TENANT_SLUG).first()
    if tenant is None:
        return
    # Counted lines and losses protect their products: they go first, then the rest cascades.
    CountLine.objects.filter(tenant=tenant).delete()
    Loss.objects.filter(tenant=tenant).delete()
    tenant.delete()


def _business() -> tuple[Tenant, dict, dict]:
    tenant, _ = Tenant.objects.get_or_create(
        slug=DEMO_TENANT_SLUG, defaults={"name": DEMO_TENANT_NAME, "business_type": "restaurant", "domain": "food"}
    )
    # The demo shows every feature: a lifetime PRO grant, recorded like any staff grant.
    TenantPlanOverride.objects.get_or_create(
        tenant=tenant, defaults={"grant": PlanGrant.LIFETIME, "plan": PlanCode.PRO, "note": "Demo tenant (seed_demo)"}
    )
    services = {}
    for name, service_type in ((KITCHEN_NAME, ServiceType.KITCHEN), (BAR_NAME, ServiceType.BAR)):
        services[name], _ = Service.objects.get_or_create(
            tenant=tenant, name=name, defaults={"service_type": service_type, **preset_for(service_type)}
        )
    users = {}
    for demo in DEMO_USERS:
        user, _ = get_user_model().objects.update_or_create(
            username=demo.username,
            defaults={"email": demo.email, "first_name": demo.first_name, "last_name": demo.last_name},
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        Membership.objects.update_or_create(
            tenant=tenant, user=user, defaults={"role": demo.role, "service": services.get(demo.service)}
        )
        users[demo.role] = user
    return tenant, users, services


# Where each category is kept, area by area in the order of the walk.
AREAS = {
    KITCHEN_NAME: {
        "Chambre froide": ("Viandes et poissons", "Crèmerie"),
        "Légumerie": ("Fruits et légumes",),
        "Réserve": ("Épicerie", "Boulangerie"),
        "Congélateur": ("Surgelés",),
    },
    BAR_NAME: {
        "Bar": ("Spiritueux", "Apéritifs", "Sirops et café"),
        "Frigo du bar": ("Bières", "Softs"),
        "Cave": ("Vins",),
        "Réserve du bar": ("Grignotage",),
    },
}


def _areas(tenant, owner, service) -> dict:
    """The service's areas → {category name: area}."""
    by_category = {}
    for name, categories in AREAS[service.name].items():
        area = area_create(tenant=tenant, service=service, actor=owner, name=name)
        by_category |= dict.fromkeys(categories, area)
    return by_category


def _catalogue(tenant, owner, service, categories: dict, *, barcodes: bool) -> list[tuple[Product, int, int | None]]:
    """The service's products, each with its typical quantity and shelf life, kept in the
    area of its category at its place on the shelf."""
    products = []
    areas = _areas(tenant, owner, service)
    for category_name, items in categories.items():
        category = category_create(tenant=tenant, service=service, name=category_name, actor=owner)
        for position, (name, unit, cost, price, vat, minimum, typical, shelf_life) in enumerate(items):
            product = product_create(
                tenant=tenant,
                service=service,
                actor=owner,
                name=name,
                category=category,
                unit=unit,
                purchase_price=cost,
                selling_price=price,
                vat_rate=vat,
                min_quantity=minimum,
                barcode=ean13(len(products) + 1000 * len(categories)) if barcodes else "",
                supplier="Metro" if service.name == KITCHEN_NAME else "France Boissons",
                default_area=areas.get(category_name),
                position=position,
            )
            products.append((product, typical, shelf_life))
    return products


def _quantity(product: Product, typical: int, rng: random.Random) -> Decimal:
    quantity = Decimal(typical) * Decimal(rng.randint(55, 130)) / 100
    return quantity.quantize(Decimal("1") if product.unit == "pcs" else Decimal("0.1"))


def _count(count, actor, products, rng, *, month: date, today: date, share: float = 1.0, low: int = 0) -> None:
    """Counts `share` of the products; the first `low` of them below their minimum."""
    counted = products[: round(len(products) * share)]
    for index, (product, typical, shelf_life) in enumerate(counted):
        fields = {"product": product, "quantity": _quantity(product, typical, rng)}
        if index < low:
            fields["quantity"] = (product.min_quantity / 2).quantize(Decimal("1"))
        if shelf_life is not None and product.service.features.get("dlc"):
            # Only the freshest products expire soon: a few expiry alerts, not a page of them.
            days = shelf_life if shelf_life <= 5 else 2 * shelf_life + 20
            fields["expiry_date"] = max(month, today if month == today.replace(day=1) else month) + timedelta(days=days)
            fields["lot"] = f"L{month:%y%m}-{index:03d}"
        if product.service.features.get("open_container_tracking") and product.unit == "pcs" and index % 9 == 4:
            fields |= {"container_state": "OPENED", "remaining_fraction": Decimal("0.5")}
        line_count(count=count, actor=actor, **fields)


def _losses(tenant, service, actor, products, *, month: date, today: date, reasons: list[str]) -> None:
    last_day = min(today, (month + timedelta(days=32)).replace(day=1) - timedelta(days=1))
    for index, reason in enumerate(reasons):
        product = products[(index * 7 + month.month) % len(products)][0]
        quantity = Decimal("1") if product.unit == "pcs" else Decimal("0.5")
        occurred_on = min(month + timedelta(days=3 + index * 5), last_day)
        loss_record(
            tenant=tenant,
            service=service,
            actor=actor,
            product=product,
            quantity=quantity,
            reason=reason,
            occurred_on=occurred_on,
        )


def _inventory(tenant, users, services, *, today: date) -> None:
    rng = random.Random(f"{DEMO_TENANT_SLUG}-{today:%Y-%m}")  # noqa: S311  (shapes demo data, not a secret)
    owner, manager, operator = users[Role.OWNER], users[Role.MANAGER], users[Role.OPERATOR]
    kitchen, bar = services[KITCHEN_NAME], services[BAR_NAME]
    kitchen_products = _catalogue(tenant, owner, kitchen, KITCHEN, barcodes=False)
    bar_products = _catalogue(tenant, owner, bar, BAR, barcodes=True)
    current = today.replace(day=1)
    months = [current]
    for _ in range(CLOSED_MONTHS):
        months.insert(0, previous_month(months[0]))
    reasons = [choice.value for choice in LossReason]
    for number, month in enumerate(months):
        closed = month != current
        for service, products, counter in ((kitchen, kitchen_products, manager), (bar, bar_products, operator)):
            count, _ = count_start(tenant=tenant, service=service, month=month, actor=counter)
            _count(
                count,
                counter,
                products,
                rng,
                month=month,
                today=today,
                share=1.0 if closed else 0.5,
                low=0 if closed else 3,
            )
            # Each reason appears over the months, in both services.
            month_reasons = reasons[number % 3 :: 3] if closed else [LossReason.BREAKAGE, LossReason.EXPIRED]
            _losses(tenant, service, counter, products, month=month, today=today, reasons=month_reasons)
            if closed:
                count_close(count=count, actor=owner)


def demo_logins() -> list[tuple[DemoUser, str]]:
    return [(demo, DEMO_PASSWORD) for demo in DEMO_USERS]
