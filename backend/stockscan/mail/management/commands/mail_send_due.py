from django.core.management.base import BaseCommand

from stockscan.mail.models import EmailStatus
from stockscan.mail.selectors import due_email_ids
from stockscan.mail.services import email_deliver


class Command(BaseCommand):
    help = (
        "Sends the outbox emails that are due: retries whose time has come, emails whose task was "
        "never run, and emails whose sender died while sending. Run it every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="Most emails sent by one run (200).")

    def handle(self, *args, limit: int, **options):
        due = due_email_ids(limit=limit)
        outcomes = dict.fromkeys(EmailStatus, 0)
        for email_id in due:
            # Each row is claimed again inside email_deliver: a worker may have taken it meanwhile.
            email = email_deliver(email_id=email_id)
            if email is not None:
                outcomes[EmailStatus(email.status)] += 1
        self.stdout.write(
            f"{len(due)} due: {outcomes[EmailStatus.SENT]} sent, {outcomes[EmailStatus.QUEUED]} to retry later, "
            f"{outcomes[EmailStatus.FAILED]} failed."
        )
