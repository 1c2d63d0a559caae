"""The sweeper of Stripe events: runs the ones received but not processed yet (a lost queue
message) and the failed ones whose next attempt is due. Safe at any time; scheduled every
few minutes. Each event still runs once: a row being processed elsewhere is skipped."""

from django.core.management.base import BaseCommand

from stockscan.billing.services.events import stripe_events_retry_due


class Command(BaseCommand):
    help = "Processes the Stripe events that are due (never processed, or failed and due again)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many events per run (oldest first).")

    def handle(self, *args, **options):
        results = stripe_events_retry_due(limit=options["limit"])
        summary = ", ".join(f"{count} {status}" for status, count in sorted(results.items())) or "none due"
        self.stdout.write(f"Stripe events: {summary}.")
