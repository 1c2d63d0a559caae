"""The outbox: every email the application sends goes through `email_queue`.

`email_queue` writes the row (and its attachments) inside the caller's transaction and queues
`email_send` for when that transaction commits, so an email exists exactly when the action
that causes it does. The row is a `core.tasks` retry row: `email_deliver` claims it (queued →
sending, one conditional UPDATE), so two workers, or a worker and the sweeper, never send one
email twice; it sends through Django's email API (anymail's SendGrid backend in production)
outside any database transaction, then records the outcome. A transient failure (network,
timeout, HTTP 5xx/429) is retried on the core backoff schedule; a permanent one (other 4xx,
refused recipient, broken template), or the last of MAIL_MAX_ATTEMPTS, marks the row failed.
Rows due for a retry, and rows whose sender died while "sending", are picked up by
`manage.py run_due_work`.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from anymail.exceptions import AnymailError, AnymailRequestsAPIError
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from stockscan.core.audit import audit_record
from stockscan.core.email_backends import was_logged_only
from stockscan.core.logging import mask_personal_data
from stockscan.core.tasks import ClaimLost, enqueue_on_commit, retry_claim, retry_fail, retry_requeue, retry_succeed
from stockscan.mail.models import EmailAttachment, EmailStatus, OutboundEmail
from stockscan.mail.sealing import ContextUnreadable, seal_context, unseal_context
from stockscan.mail.tasks import email_send

if TYPE_CHECKING:  # the tenant model lives on a higher floor (orgs)
    from stockscan.orgs.models import Tenant


SUBJECT_MAX_LENGTH = OutboundEmail._meta.get_field("subject").max_length
# HTTP answers that mean "try again later"; any other 4xx will not get better by retrying.
TRANSIENT_HTTP_STATUSES = {408, 429}


class Attachment(NamedTuple):
    """A file sent with an email; a plain `(filename, content, content_type)` tuple works too."""

    filename: str
    content: bytes
    content_type: str


def _render_subject(template: str, language: str, context: dict) -> str:
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
    # One line: a header cannot carry a line break (and user input must not add one).
    return " ".join(subject.split())[:SUBJECT_MAX_LENGTH]


def _attachment_rows(attachments: Iterable) -> list[EmailAttachment]:
    rows = []
    for item in attachments:
        attachment = Attachment(*item)
        if not attachment.filename or not isinstance(attachment.content, bytes | bytearray):
            raise TypeError("An attachment is (filename, content as bytes, content_type).")
        rows.append(
            EmailAttachment(
                filename=attachment.filename,
                content_type=attachment.content_type or "application/octet-stream",
                content=bytes(attachment.content),
                size=len(attachment.content),
            )
        )
    return rows


@transaction.atomic
def email_queue(
    *,
    to: str,
    template: str,
    language: str,
    context: dict,
    tenant: "Tenant | None" = None,
    attachments: Iterable[Attachment | tuple[str, bytes, str]] = (),
) -> OutboundEmail:
    """Queues an email rendered from `<template>_subject.txt`, `<template>.txt` and
    `<template>.html` in `language`, with `context` (JSON values only).

    Call it inside the transaction of the action that causes the email: if that transaction
    rolls back, no email exists and none is sent. Bad arguments (address, template, context)
    raise here, in the caller, rather than in a task nobody watches.
    """
    validate_email(to)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    get_template(f"{template}.txt")
    get_template(f"{template}.html")
    rows = _attachment_rows(attachments)
    email = OutboundEmail.objects.with_scopes_disabled().create(
        tenant=tenant,
        recipient=to,
        template=template,
        language=language,
        sealed_context=seal_context(context),
        subject=_render_subject(template, language, context),
        next_attempt_at=timezone.now(),
    )
    for row in rows:
        row.email = email
    EmailAttachment.objects.bulk_create(rows)

    enqueue_on_commit(email_send, email.pk)
    return email


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    context = unseal_context(email.sealed_context)
    with translation.override(email.language):
        text = render_to_string(f"{email.template}.txt", context)
        html = render_to_string(f"{email.template}.html", context)
    message = EmailMultiAlternatives(
        subject=email.subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[email.recipient]
    )
    message.attach_alternative(html, "text/html")
    for attachment in email.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return message


def _provider_message_id(message: EmailMultiAlternatives) -> str:
    """SendGrid's X-Message-Id, which starts the `sg_message_id` of every event about the
    message; anymail's own id with another provider; nothing with non-anymail backends."""
    status = getattr(message, "anymail_status", None)
    if status is None:
        return ""
    response = status.esp_response
    message_id = response.headers.get("X-Message-Id") if response is not None else None
    message_id = message_id or status.message_id
    return message_id if isinstance(message_id, str) else ""


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, ContextUnreadable | TemplateDoesNotExist | TemplateSyntaxError):
        return True
    if isinstance(exc, AnymailRequestsAPIError):
        status = exc.status_code  # None: no answer at all (connection refused, timeout)
        return status is not None and 400 <= status < 500 and status not in TRANSIENT_HTTP_STATUSES
    # Refused or invalid recipients, unsupported content, misconfiguration.
    return isinstance(exc, AnymailError)


def _describe(exc: Exception) -> str:
    return mask_personal_data(f"{type(exc).__name__}: {exc}")


def email_deliver(*, email_id: int) -> OutboundEmail | None:
    """Sends one email if it is due and nobody else holds it; returns the row as it ends up,
    or None when it was not this call's to send (not due, or held by another sender)."""
    email = retry_claim(OutboundEmail, email_id)
    if email is None:
        return None
    try:
        message = _message(email)
        message.send()
    except Exception as exc:  # every failure is recorded on the row, none is lost
        retry_fail(email, error=_describe(exc), permanent=_is_permanent(exc))
    else:
        try:
            retry_succeed(
                email,
                sent_at=timezone.now(),
                provider_message_id=_provider_message_id(message),
                logged_only=was_logged_only(message),
            )
        except ClaimLost:  # another sender took the row over meanwhile: its outcome is the one kept
            return None
    email.refresh_from_db()
    return email


@transaction.atomic
def email_retry(*, email: OutboundEmail, actor) -> bool:
    """Support staff send a failed email again (after fixing the cause): a fresh set of attempts."""
    failed = OutboundEmail.objects.with_scopes_disabled().filter(pk=email.pk, status=EmailStatus.FAILED)
    if not retry_requeue(failed, fresh_attempts=True):
        return False
    audit_record(tenant_id=email.tenant_id, actor=actor, action="email.retried", target=email)
    return True
