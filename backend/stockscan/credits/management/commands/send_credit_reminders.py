from django.core.management.base import BaseCommand

from stockscan.credits.services.reminders import send_scheduled_reminders


class Command(BaseCommand):
    help = (
        "Emails the credit book's automatic reminders due now (each tenant's schedule in its "
        "credit book settings). Run it every hour; a reminder is never sent twice."
    )

    def handle(self, *args, **options):
        sent = send_scheduled_reminders()
        self.stdout.write(f"{sent} reminder(s) queued.")
