"""How exports' emails leave: through the project's email outbox, which sends them, retries
delivery and records what SendGrid reports."""

from django.conf import settings

from stockscan.mail.services import email_queue

CONFIRM_PATH = "/exports/recipients/confirm"


def queue_export_email(
    *,
    tenant,
    to: str,
    recipient_name: str,
    language: str,
    sender_name: str,
    business_name: str,
    description: str,
    message: str,
    filename: str,
    content: bytes,
    mimetype: str,
) -> None:
    """Puts the export file for one recipient (a member, or a confirmed outside recipient) in
    the outbox, in the recipient's language; the outbox sends it and retries delivery.
    `message` is the requester's own text: plain text in the text part, escaped in the HTML part."""
    email_queue(
        to=to,
        template="exports/export_email",
        language=language or settings.LANGUAGE_CODE,
        context={
            "recipient_name": recipient_name,
            "sender_name": sender_name,
            "business_name": business_name,
            "description": description,
            "message": message,
            "filename": filename,
        },
        tenant=tenant,
        attachments=[(filename, content, mimetype)],
    )


def recipient_confirmation_link(raw_token: str) -> str:
    """The SPA's page at this path POSTs the token to /api/exports/recipients/confirm/."""
    return f"{settings.FRONTEND_URL}{CONFIRM_PATH}?token={raw_token}"


def queue_recipient_confirmation(*, recipient, raw_token: str, sender_name: str, days: int):
    """The confirmation link for an outside recipient, in the business's language. Always
    emailed (never handed to the owner, even with INVITATIONS_SEND_EMAILS=false): the link
    proves that the address's holder agrees to receive the business's files."""
    tenant = recipient.tenant
    return email_queue(
        to=recipient.email,
        template="exports/recipient_confirm",
        language=tenant.locale,
        tenant=tenant,
        context={
            "recipient_name": recipient.name,
            "business_name": tenant.name,
            "sender_name": sender_name,
            "link": recipient_confirmation_link(raw_token),
            "days": days,
        },
    )
