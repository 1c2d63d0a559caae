"""`manage.py seed_demo [--reset]`: the demo business (see stockscan.demo.services)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stockscan.demo.services import demo_business_seed, demo_logins


class Command(BaseCommand):
    help = "Creates (or completes) the demo restaurant and its users, and prints their logins."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete the demo business's data and start again.")
        parser.add_argument(
            "--allow-production", action="store_true", help="Seed even when DJANGO_DEBUG is false (demo instances)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("seed_demo creates users with a published password; pass --allow-production to insist.")
        tenant = demo_business_seed(reset=options["reset"])
        self.stdout.write(self.style.SUCCESS(f"Demo business “{tenant.name}” (id {tenant.pk}) is ready."))
        for demo, password in demo_logins():
            scope = f"  (service {demo.service})" if demo.service else ""
            self.stdout.write(
                f"  {demo.role:<9} login: {demo.username:<14} password: {password}  email: {demo.email}{scope}"
            )
