from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from stockscan.assistant.services.conversations import conversations_purge


class Command(BaseCommand):
    help = "Deletes the assistant's conversations older than AI_CONVERSATION_RETENTION_DAYS (90 by default)."

    def handle(self, *args, **options):
        with scopes_disabled():
            deleted = conversations_purge()
        self.stdout.write(f"{deleted} conversation(s) deleted.")
