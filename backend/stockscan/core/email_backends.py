import logging

from django.core.mail.backends.base import BaseEmailBackend

from stockscan.core.logging import mask_personal_data

logger = logging.getLogger("stockscan.mail")


class MaskedConsoleEmailBackend(BaseEmailBackend):
    """Development email: each message is logged instead of sent, with addresses, phone
    numbers and links' tokens masked, so the log can be shared without leaking anything."""

    def send_messages(self, email_messages):
        for message in email_messages:
            logger.info(
                "Email (not sent, console backend) to %s: %s\n%s",
                ", ".join(message.recipients()),
                message.subject,
                mask_personal_data(message.body),
            )
        return len(email_messages)
