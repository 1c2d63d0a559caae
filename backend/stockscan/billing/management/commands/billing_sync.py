"""Re-reads each tenant's subscriptions from Stripe and corrects its billing state (missed or
lost webhooks, changes made in Stripe's dashboard). Safe at any time; scheduled daily."""

from django.core.management.base import BaseCommand, CommandError

from stockscan.billing import selectors
from stockscan.billing.configuration import billing_configured
from stockscan.billing.errors import StripeFailed
from stockscan.billing.services import checkout as services
from stockscan.billing.services.sync import SubscriptionNotUnderstood


class Command(BaseCommand):
    help = "Re-reads every tenant's Stripe subscription and fixes the billing state where it drifted."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", type=int, help="Only this tenant (id).")

    def handle(self, *args, **options):
        if not billing_configured():
            self.stdout.write("Billing is not configured (STRIPE_API_KEY, STRIPE_PRICE_*): nothing to sync.")
            return
        tenant_ids = selectors.tenant_ids_with_customer(tenant_id=options["tenant"])
        if options["tenant"] is not None and not tenant_ids:
            raise CommandError(f"Tenant {options['tenant']} has no Stripe customer.")
        corrected, unchanged, failed = 0, 0, []
        for tenant_id in tenant_ids:
            try:
                outcome = services.billing_state_reconcile(tenant_id=tenant_id)
            except (StripeFailed, SubscriptionNotUnderstood) as exc:
                failed.append(tenant_id)
                self.stderr.write(f"Tenant {tenant_id}: {getattr(exc, 'summary', exc)}")
                continue
            if outcome.changed:
                corrected += 1
                self.stdout.write(f"Tenant {tenant_id}: corrected from Stripe.")
            else:
                unchanged += 1
        self.stdout.write(
            f"{len(tenant_ids)} tenants read: {corrected} corrected, {unchanged} unchanged, {len(failed)} failed."
        )
        if failed:
            raise CommandError(f"Stripe could not be read for tenants {', '.join(map(str, failed))}.")
