"""The one sweeper of work that must not be lost: runs the due rows of every registered kind
(Stripe events, outbox emails, emailed exports…): retries whose time has come, rows whose task
was never queued or lost, rows whose worker died mid-run. Safe at any time and beside the
workers (each row is claimed before it runs); scheduled every few minutes in production."""

import logging
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from stockscan.core.tasks import retry_due_ids, retry_kinds

logger = logging.getLogger("stockscan.tasks")


class Command(BaseCommand):
    help = "Runs the due retry rows of every kind (Stripe events, emails, emailed exports), oldest first."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="At most this many rows of each kind per run (200).")
        parser.add_argument(
            "--kind", action="append", metavar="LABEL", help="Only this kind (e.g. mail.OutboundEmail); repeatable."
        )

    def handle(self, *args, limit: int, kind: list[str] | None, **options):
        kinds = retry_kinds()
        unknown = set(kind or ()) - {each.label for each in kinds}
        if unknown:
            known = ", ".join(each.label for each in kinds)
            raise CommandError(f"Unknown kind {', '.join(sorted(unknown))}; known: {known}.")
        crashed = []
        for each in kinds:
            if kind and each.label not in kind:
                continue
            due = retry_due_ids(each.model, limit=limit)
            for pk in due:
                try:
                    each.task.call(pk)
                except Exception:
                    # A bug in one row must not hold up the others; the row's lease runs out
                    # and a later run tries it again.
                    logger.exception("%s #%s crashed while running", each.label, pk)
                    crashed.append(f"{each.label} #{pk}")
            # The statuses are each kind's own words: what the admin shows.
            outcomes = Counter(each.model._base_manager.filter(pk__in=due).values_list("status", flat=True))
            summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
            self.stdout.write(f"{each.label}: {len(due)} due: {summary}." if due else f"{each.label}: none due.")
        if crashed:
            raise CommandError(f"Crashed: {', '.join(crashed)} (see the log).")
