import logging
import sys

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from stockscan.core.logging import mask_personal_data

logger = logging.getLogger("stockscan.mail")

# Set on each message the console backend wrote out instead of sending: the outbox records
# that it was only logged, so nobody is told an email was sent when none was.
LOGGED_ONLY = "stockscan_logged_only"


def was_logged_only(message) -> bool:
    """Whether the backend that took `message` only logged it (nothing was sent)."""
    return getattr(message, LOGGED_ONLY, False)


class MaskedConsoleEmailBackend(BaseEmailBackend):
    """Email when no provider is configured: each message is written out instead of sent.

    In development (DEBUG) it is printed whole on the console, so a reset or invitation link
    can be followed from the quick start. Anywhere else it goes to the log with addresses,
    phone numbers and links' tokens masked, so the log can be shared without leaking anything.
    """

    def send_messages(self, email_messages):
        for message in email_messages:
            setattr(message, LOGGED_ONLY, True)
            recipients = ", ".join(message.recipients())
            if settings.DEBUG:
                sys.stderr.write(
                    f"\n--- Email (development: not sent) ---\nTo: {recipients}\nSubject: {message.subject}\n\n"
                    f"{message.body}\n--- end of email ---\n"
                )
            else:
                logger.info(
                    "Email (not sent, console backend) to %s: %s\n%s",
                    recipients,
                    message.subject,
                    mask_personal_data(message.body),
                )
        return len(email_messages)
