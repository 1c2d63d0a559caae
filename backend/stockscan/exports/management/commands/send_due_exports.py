from django.core.management.base import BaseCommand

from stockscan.exports.selectors import due_emailed_export_ids
from stockscan.exports.services import emailed_export_send


class Command(BaseCommand):
    help = (
        "Sends the emailed exports whose attempt is due: retries after a failure, and exports "
        "whose task was lost or whose worker died. Run it on a schedule (every few minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="Most exports handled in one run.")

    def handle(self, *args, limit, **options):
        due = due_emailed_export_ids(limit=limit)
        for job_id in due:
            emailed_export_send(job_id=job_id)
        self.stdout.write(f"{len(due)} emailed export(s) attempted.")
