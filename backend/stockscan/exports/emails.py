"""How an emailed export leaves: one function, so that the project's email path (the outbox,
when it lands) replaces Django's email API in exactly one place."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_export_email(
    *,
    recipient,
    sender_name: str,
    business_name: str,
    description: str,
    message: str,
    filename: str,
    content: bytes,
    mimetype: str,
) -> None:
    """Sends the export file to one member, in the member's language. `message` is the
    requester's own text: plain text in the text part, escaped in the HTML part."""
    context = {
        "recipient_name": recipient.get_short_name() or recipient.username,
        "sender_name": sender_name,
        "business_name": business_name,
        "description": description,
        "message": message,
        "filename": filename,
    }
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("exports/export_email_subject.txt", context).split())
        body = render_to_string("exports/export_email.txt", context)
        html = render_to_string("exports/export_email.html", context)
    email = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    email.attach_alternative(html, "text/html")
    email.attach(filename, content, mimetype)
    email.send()
