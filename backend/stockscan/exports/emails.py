"""How an emailed export leaves: through the project's email outbox, which sends it,
retries delivery and records what SendGrid reports."""

from django.conf import settings

from stockscan.mail.services import email_queue


def queue_export_email(
    *,
    tenant,
    recipient,
    sender_name: str,
    business_name: str,
    description: str,
    message: str,
    filename: str,
    content: bytes,
    mimetype: str,
) -> None:
    """Puts the export file for one member in the outbox, in the member's language; the
    outbox sends it and retries delivery. `message` is the requester's own text: plain text in
    the text part, escaped in the HTML part."""
    email_queue(
        to=recipient.email,
        template="exports/export_email",
        language=recipient.language or settings.LANGUAGE_CODE,
        context={
            "recipient_name": recipient.get_short_name() or recipient.username,
            "sender_name": sender_name,
            "business_name": business_name,
            "description": description,
            "message": message,
            "filename": filename,
        },
        tenant=tenant,
        attachments=[(filename, content, mimetype)],
    )
