"""A demo business to click through: two services and one user of each role.

Idempotent: running it again resets the demo users' passwords and changes nothing else.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scopes_disabled

from stockscan.entitlements.models import PlanGrant, TenantPlanOverride
from stockscan.entitlements.plans import PlanCode
from stockscan.orgs.models import Membership, Role, Service, Tenant
from stockscan.orgs.presets import ServiceType, preset_for

DEMO_TENANT_SLUG = "demo-bistrot"
DEMO_PASSWORD = "Demo-StockScan-2026"
DEMO_USERS = [
    ("demo-owner", Role.OWNER, None),
    ("demo-manager", Role.MANAGER, None),
    ("demo-operator", Role.OPERATOR, "Bar"),
]
DEMO_SERVICES = [("Cuisine", ServiceType.KITCHEN), ("Bar", ServiceType.BAR)]


class Command(BaseCommand):
    help = "Creates (or refreshes) the demo tenant, its services and its users, and prints their logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true", help="Seed even when DJANGO_DEBUG is false (demo instances)."
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("seed_demo creates users with a published password; pass --allow-production to insist.")
        user_model = get_user_model()
        with scopes_disabled():
            tenant, _ = Tenant.objects.get_or_create(
                slug=DEMO_TENANT_SLUG,
                defaults={"name": "Le Bistrot Démo", "business_type": "restaurant", "domain": "food"},
            )
            # The demo shows every feature: a lifetime PRO grant, recorded like any staff grant.
            TenantPlanOverride.objects.get_or_create(
                tenant=tenant,
                defaults={"grant": PlanGrant.LIFETIME, "plan": PlanCode.PRO, "note": "Demo tenant (seed_demo)"},
            )
            services = {}
            for name, service_type in DEMO_SERVICES:
                preset = preset_for(service_type)
                services[name], _ = Service.objects.get_or_create(
                    tenant=tenant,
                    name=name,
                    defaults={"service_type": service_type, **preset},
                )
            for username, role, service_name in DEMO_USERS:
                user, _ = user_model.objects.get_or_create(
                    username=username, defaults={"email": f"{username}@demo.stockscan.local"}
                )
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                Membership.objects.update_or_create(
                    tenant=tenant,
                    user=user,
                    defaults={"role": role, "service": services.get(service_name)},
                )
        self.stdout.write(self.style.SUCCESS(f"Demo tenant “{tenant.name}” (id {tenant.pk}) is ready."))
        for username, role, service_name in DEMO_USERS:
            scope = f", service {service_name}" if service_name else ""
            self.stdout.write(f"  {role:<9} login: {username:<14} password: {DEMO_PASSWORD}{scope}")
