"""Exports: downloads (CSV streamed, XLSX from a temporary file) and emailed exports, each
drawing on its monthly quota through `entitlements.enforcement.quota_reservation` and
written in the audit (who, which export and options, how many rows)."""

import logging
import math
import secrets
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope
from rest_framework.exceptions import APIException

from stockscan.core.audit import audit_record
from stockscan.core.idempotency import idempotent_create
from stockscan.core.tasks import ClaimLost, enqueue_on_commit, retry_claim, retry_fail, retry_succeed
from stockscan.entitlements.enforcement import quota_release, quota_reservation, require_feature
from stockscan.entitlements.plans import Feature
from stockscan.exports import tasks
from stockscan.exports.base import CONTENT_TYPES, QUOTA_METRICS, Exporter, FileFormat, Sheet, exporter_class
from stockscan.exports.emails import queue_export_email, queue_recipient_confirmation
from stockscan.exports.errors import (
    ExportEmailsThrottled,
    ExporterNotAllowed,
    NoRecipientLeft,
    RecipientAlreadyAdded,
    RecipientIsMember,
    RecipientLimitReached,
    RecipientLinkInvalid,
    RecipientNotAllowed,
    RecipientNotPending,
    RecipientRateLimited,
    RecipientResendTooSoon,
    RecipientSendLimit,
)
from stockscan.exports.models import (
    HELD_STATUSES,
    EmailedExport,
    EmailedExportStatus,
    ExportRecipient,
    ExportRecipientStatus,
)
from stockscan.exports.rendering import csv_chunks, export_filename, write_xlsx
from stockscan.exports.selectors import (
    active_memberships_by_email,
    active_recipients,
    confirmed_outside_recipients,
    confirmed_recipients_by_email,
    recipient_by_token,
    token_digest,
)
from stockscan.orgs.models import Membership, MembershipStatus, Tenant
from stockscan.orgs.tenancy.permissions import Perm, role_has

logger = logging.getLogger("stockscan.exports")

EMAIL_RATE_WINDOW = timedelta(hours=1)


@dataclass
class ExportFile:
    file: BinaryIO  # a temporary file, deleted when closed
    filename: str
    content_type: str
    sheets: list[Sheet]


def build_export_file(exporter: Exporter, file_format: FileFormat, *, csv_separator: str = ";") -> ExportFile:
    """Writes the export into a temporary file in constant memory and rewinds it."""
    sheets = exporter.sheets(file_format)
    # Handed to the response, which closes (and so deletes) it once sent.
    file = tempfile.TemporaryFile(prefix="stockscan-export-")  # noqa: SIM115
    try:
        if file_format == FileFormat.XLSX:
            write_xlsx(sheets, file, currency=exporter.tenant.currency)
        else:
            sheets = sheets[:1]
            for chunk in csv_chunks(sheets[0], separator=csv_separator):
                file.write(chunk)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return ExportFile(
        file=file,
        filename=export_filename(exporter.filename_parts(), file_format),
        content_type=CONTENT_TYPES[file_format],
        sheets=sheets,
    )


def _export_audit(*, exporter: Exporter, file_format: str, sheets: list[Sheet], **extra) -> dict:
    return {
        "exporter": exporter.identifier,
        "format": file_format,
        "options": exporter.stored_options(),
        "rows": {sheet.key: sheet.row_count for sheet in sheets},
        **extra,
    }


def xlsx_download(*, exporter: Exporter, actor) -> ExportFile:
    """The XLSX file, built under a reserved unit of the monthly XLSX quota (given back if
    the build fails)."""
    with quota_reservation(exporter.tenant, QUOTA_METRICS[FileFormat.XLSX]):
        export = build_export_file(exporter, FileFormat.XLSX)
        audit_record(
            tenant_id=exporter.tenant.pk,
            actor=actor,
            action="export.downloaded",
            after=_export_audit(exporter=exporter, file_format=FileFormat.XLSX, sheets=export.sheets),
        )
    return export


class PrimedStream:
    """A stream whose first chunk is already built, so that whatever fails before the first
    byte (a quota refusal, the query) still becomes a JSON error answer. Closing it (the
    server does, when the response ends or the client leaves) closes the generator."""

    def __init__(self, chunks):
        self._chunks = chunks
        self._first = next(chunks)

    def __iter__(self):
        yield self._first
        yield from self._chunks

    def close(self):
        self._chunks.close()


@dataclass
class ExportStream:
    chunks: PrimedStream
    filename: str
    content_type: str


def csv_download(*, exporter: Exporter, actor, separator: str) -> ExportStream:
    """The CSV file as a stream of chunks, for `StreamingHttpResponse`.

    When the quota counts: a unit is reserved as the stream is primed — before the response
    starts, so an export over quota is a 403 — and the first rows are fetched then too, so
    a failing query is still an error answer. The unit is given back if the stream fails or
    is cut short before its last row (the reservation's `with` block spans the generator):
    an export counts once its user has received the whole file, when it is also audited."""
    return ExportStream(
        chunks=PrimedStream(_csv_stream(exporter=exporter, actor=actor, separator=separator)),
        filename=export_filename(exporter.filename_parts(), FileFormat.CSV),
        content_type=CONTENT_TYPES[FileFormat.CSV],
    )


def _csv_stream(*, exporter: Exporter, actor, separator: str):
    sheet = exporter.sheets(FileFormat.CSV)[0]
    with quota_reservation(exporter.tenant, QUOTA_METRICS[FileFormat.CSV]):
        yield from csv_chunks(sheet, separator=separator)
        audit_record(
            tenant_id=exporter.tenant.pk,
            actor=actor,
            action="export.downloaded",
            after=_export_audit(exporter=exporter, file_format=FileFormat.CSV, sheets=[sheet], separator=separator),
        )


# --- Emailed exports


@dataclass
class Recipients:
    """Who an emailed export goes to: members, and the business's confirmed outside recipients."""

    members: list[Membership]
    outside: list[ExportRecipient]


def emailed_export_queue(
    *,
    exporter: Exporter,
    actor,
    file_format: FileFormat,
    csv_separator: str,
    recipient_emails: list[str],
    message: str,
    idempotency_key: str = "",
) -> tuple[EmailedExport, bool]:
    """Accepts an export to email to members of the tenant or its confirmed outside
    recipients: reserves a unit of the format's quota (a refusal is answered now), checks the
    tenant's hourly limit of emailed exports, and queues the task once the row is committed.
    The file is built by the task. Returns (export, True), or, for the same request sent again
    with its Idempotency-Key, (the first export, False), which used no quota.

    Everything happens under the tenant row's lock, taken first: requests of one business are
    accepted one after the other, so a retry always sees the export of the request it repeats,
    and the reservation, the hourly count and the row commit together or not at all."""
    tenant = exporter.tenant
    require_feature(tenant, Feature.EXPORTS_EMAIL)
    recipients = _recipients(exporter, recipient_emails)
    fields = {
        "exporter": exporter.identifier,
        "file_format": str(file_format),
        "options": exporter.stored_options(),
        "csv_separator": csv_separator,
        "message": message,
        "recipient_addresses": recipient_emails,
    }
    with transaction.atomic():
        Tenant.objects.select_for_update().filter(pk=tenant.pk).values_list("pk", flat=True).first()
        return idempotent_create(
            key=idempotency_key,
            previous=EmailedExport.objects.filter(tenant=tenant, idempotency_key=idempotency_key),
            fields=fields,
            create=lambda: _queue_job(
                exporter=exporter, actor=actor, fields=fields, recipients=recipients, idempotency_key=idempotency_key
            ),
        )


def _queue_job(*, exporter: Exporter, actor, fields: dict, recipients: Recipients, idempotency_key: str):
    tenant = exporter.tenant
    with quota_reservation(tenant, QUOTA_METRICS[fields["file_format"]]) as period:
        _check_email_rate(tenant)
        job = EmailedExport.objects.create(
            tenant=tenant,
            requested_by=actor,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            quota_period=period,
            idempotency_key=idempotency_key,
            **fields,
        )
        job.recipients.set([membership.user for membership in recipients.members])
        job.outside_recipients.set(recipients.outside)
        audit_record(
            tenant_id=tenant.pk,
            actor=actor,
            action="export.email_queued",
            target=job,
            after={
                "exporter": exporter.identifier,
                "format": fields["file_format"],
                "options": job.options,
                "recipients": sorted(membership.user_id for membership in recipients.members),
                "outside_recipients": sorted(recipient.pk for recipient in recipients.outside),
            },
        )
        enqueue_on_commit(tasks.send_emailed_export, job.pk)
    return job


def _recipients(exporter: Exporter, emails: list[str]) -> Recipients:
    """Active members of the tenant who may see everything in the export, and the business's
    confirmed outside recipients (they receive what the member who asks may export)."""
    members = active_memberships_by_email(tenant=exporter.tenant, emails=emails)
    outside = confirmed_recipients_by_email(tenant=exporter.tenant, emails=emails)
    problems = []
    for email in emails:
        membership = members.get(email)
        if membership is None:
            if email not in outside:
                problems.append(
                    _("%(address)s is neither a member of this business nor one of its confirmed recipients.")
                    % {"address": email}
                )
        elif not exporter.readable_by(membership):
            problems.append(_("%(address)s cannot see every service of this export.") % {"address": email})
    if problems:
        raise RecipientNotAllowed(problems=problems)
    return Recipients(
        members=[members[email] for email in emails if email in members],
        outside=[outside[email] for email in emails if email not in members],
    )


def _check_email_rate(tenant: Tenant) -> None:
    """At most EXPORT_EMAILS_PER_HOUR emailed exports per tenant in any hour. The caller holds
    the tenant row's lock, so concurrent requests are counted one after the other."""
    limit = settings.EXPORT_EMAILS_PER_HOUR
    now = timezone.now()
    recent = EmailedExport.objects.filter(tenant=tenant, created_at__gt=now - EMAIL_RATE_WINDOW)
    count = recent.count()
    if count >= limit:
        # A slot frees when enough of the window's exports have aged out of it.
        freeing = recent.order_by("created_at").values_list("created_at", flat=True)[count - limit]
        wait = math.ceil((freeing + EMAIL_RATE_WINDOW - now).total_seconds())
        raise ExportEmailsThrottled(limit=limit, wait=max(1, wait))


def emailed_export_send(*, job_id: int) -> None:
    """Builds an emailed export and sends it to each recipient (the task and the sweeper call
    this). Runs as the member who asked, inside the tenant's scope, re-checking that they
    may still export, the options, and who may still receive it. A failure is retried with
    the core backoff; after `EmailedExport.max_attempts()`, or at once when the export is no
    longer allowed, it fails for good and its quota unit is given back."""
    # The claim is one conditional UPDATE: the task and the sweeper never build the same export twice.
    job = retry_claim(EmailedExport, job_id)
    if job is None:
        return
    with scope(tenant=job.tenant_id):
        try:
            # The emails enter the outbox and the export is marked sent together, or neither.
            with transaction.atomic():
                row_count, recipient_count = _build_and_send(job)
                _mark_sent(job, row_count=row_count, recipient_count=recipient_count)
        except ClaimLost:  # another worker took it over: its emails count, this one's are undone
            return
        except APIException as refusal:  # no longer allowed: retrying would not help
            _record_failure(job, str(refusal.detail), permanent=True)
        except Exception as error:
            logger.exception("Emailed export %s failed (attempt %s).", job.pk, job.attempts)
            _record_failure(job, f"{type(error).__name__}: {error}", permanent=False)


def _build_and_send(job: EmailedExport) -> tuple[int, int]:
    tenant = job.tenant
    membership = (
        Membership.objects.filter(tenant=tenant, user=job.requested_by, status=MembershipStatus.ACTIVE)
        .select_related("service", "user")
        .first()
    )
    if membership is None or not role_has(membership.role, Perm.EXPORT_DATA):
        raise ExporterNotAllowed()
    with translation.override(job.language):
        exporter = exporter_class(job.exporter)(tenant=tenant, membership=membership, options=job.options)
        members = [recipient for recipient in active_recipients(job=job) if exporter.readable_by(recipient)]
        outside = confirmed_outside_recipients(job=job)
        if not members and not outside:
            raise NoRecipientLeft()
        export = build_export_file(exporter, FileFormat(job.file_format), csv_separator=job.csv_separator)
        description = exporter.description()
    with export.file:
        content = export.file.read()
    sender = job.requested_by
    common = {
        "tenant": tenant,
        "sender_name": sender.get_full_name() or sender.username,
        "business_name": tenant.name,
        "description": description,
        "message": job.message,
        "filename": export.filename,
        "content": content,
        "mimetype": export.content_type.split(";")[0],
    }
    for membership in members:
        user = membership.user
        queue_export_email(
            to=user.email,
            recipient_name=user.get_short_name() or user.username,
            language=user.language,
            **common,
        )
    for recipient in outside:
        queue_export_email(to=recipient.email, recipient_name=recipient.name, language=tenant.locale, **common)
    recipients = [*members, *outside]
    return export.sheets[0].row_count, len(recipients)


def _mark_sent(job: EmailedExport, *, row_count: int, recipient_count: int) -> None:
    retry_succeed(job, sent_at=timezone.now(), row_count=row_count)
    audit_record(
        tenant_id=job.tenant_id,
        actor=job.requested_by,
        action="export.emailed",
        target=job,
        after={"rows": row_count, "recipients": recipient_count, "attempts": job.attempts},
    )


@transaction.atomic
def _record_failure(job: EmailedExport, error: str, *, permanent: bool) -> None:
    """The attempt failed: tried again later, or, given up, its quota unit is given back."""
    if not retry_fail(job, error=error, permanent=permanent) or job.status != EmailedExportStatus.FAILED:
        return
    quota_release(job.tenant, QUOTA_METRICS[job.file_format], job.quota_period)
    audit_record(
        tenant_id=job.tenant_id,
        actor=job.requested_by,
        action="export.email_failed",
        target=job,
        after={"error": job.last_error, "attempts": job.attempts},
    )


# --- Outside recipients (an accountant without a seat)

MAX_OUTSIDE_RECIPIENTS = 3
CONFIRMATION_LIFETIME = timedelta(days=7)
RESEND_INTERVAL = timedelta(minutes=10)
# Emails one recipient's confirmation may cause: the first and two resends.
MAX_SENDS = 3
RECIPIENTS_WINDOW = timedelta(days=1)


def _new_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)  # 256 bits
    return raw, token_digest(raw)


def _display_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _check_recipient_additions(tenant: Tenant, now) -> None:
    """Confirmation links are emails to strangers: at most EXPORT_RECIPIENTS_PER_DAY
    additions per business in any 24 hours, removed recipients included (removing and adding
    again still sends an email)."""
    limit = settings.EXPORT_RECIPIENTS_PER_DAY
    added = list(
        ExportRecipient.objects.filter(tenant=tenant, created_at__gt=now - RECIPIENTS_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(added) >= limit:
        wait = math.ceil((added[limit - 1] + RECIPIENTS_WINDOW - now).total_seconds())
        raise RecipientRateLimited(limit=limit, wait_seconds=max(1, wait))


@transaction.atomic
def recipient_add(*, tenant: Tenant, actor, name: str, email: str) -> ExportRecipient:
    """Adds an outside recipient (at most MAX_OUTSIDE_RECIPIENTS per business, waiting or
    confirmed) and emails its confirmation link. The tenant row is locked first, so concurrent
    additions are counted one after the other and never exceed the limit."""
    require_feature(tenant, Feature.EXPORTS_EMAIL)
    Tenant.objects.select_for_update().filter(pk=tenant.pk).values_list("pk", flat=True).first()
    email = email.strip()
    if active_memberships_by_email(tenant=tenant, emails=[email]):
        raise RecipientIsMember()
    held = ExportRecipient.objects.filter(tenant=tenant, status__in=HELD_STATUSES)
    if held.filter(email__iexact=email).exists():
        raise RecipientAlreadyAdded()
    if held.count() >= MAX_OUTSIDE_RECIPIENTS:
        raise RecipientLimitReached(limit=MAX_OUTSIDE_RECIPIENTS)
    now = timezone.now()
    _check_recipient_additions(tenant, now)
    raw_token, digest = _new_token()
    recipient = ExportRecipient.objects.create(
        tenant=tenant,
        name=name.strip(),
        email=email,
        added_by=actor,
        token_hash=digest,
        token_expires_at=now + CONFIRMATION_LIFETIME,
        last_sent_at=now,
        send_count=1,
    )
    audit_record(
        tenant_id=tenant.pk,
        actor=actor,
        action="export.recipient_added",
        target=recipient,
        after={"name": recipient.name, "email": recipient.email},
    )
    queue_recipient_confirmation(
        recipient=recipient, raw_token=raw_token, sender_name=_display_name(actor), days=CONFIRMATION_LIFETIME.days
    )
    return recipient


@transaction.atomic
def recipient_resend(*, recipient: ExportRecipient, actor) -> ExportRecipient:
    """Emails a waiting recipient a fresh link (the previous one stops working) with a fresh
    expiry: at most once per RESEND_INTERVAL, however many clicks ask for it, and MAX_SENDS
    times in all. An expired link can be sent again this way."""
    require_feature(recipient.tenant, Feature.EXPORTS_EMAIL)
    now = timezone.now()
    raw_token, digest = _new_token()
    resent = (
        ExportRecipient.objects.filter(pk=recipient.pk, status=ExportRecipientStatus.PENDING)
        .filter(send_count__lt=MAX_SENDS)
        .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - RESEND_INTERVAL))
        .update(
            token_hash=digest,
            token_expires_at=now + CONFIRMATION_LIFETIME,
            last_sent_at=now,
            send_count=F("send_count") + 1,
            updated_at=now,
        )
    )
    recipient.refresh_from_db()
    if not resent:
        if recipient.status != ExportRecipientStatus.PENDING:
            raise RecipientNotPending()
        if recipient.send_count >= MAX_SENDS:
            raise RecipientSendLimit(limit=MAX_SENDS)
        wait = recipient.last_sent_at + RESEND_INTERVAL - now
        raise RecipientResendTooSoon(wait_seconds=max(1, math.ceil(wait.total_seconds())))
    audit_record(
        tenant_id=recipient.tenant_id,
        actor=actor,
        action="export.recipient_resent",
        target=recipient,
        after={"send_count": recipient.send_count, "email": recipient.email},
    )
    queue_recipient_confirmation(
        recipient=recipient, raw_token=raw_token, sender_name=_display_name(actor), days=CONFIRMATION_LIFETIME.days
    )
    return recipient


@transaction.atomic
def recipient_remove(*, recipient: ExportRecipient, actor) -> None:
    """The recipient receives nothing more, exports already queued for it included (their
    task checks again); its link stops working and its place is freed."""
    now = timezone.now()
    before = recipient.status
    removed = ExportRecipient.objects.filter(pk=recipient.pk, status__in=HELD_STATUSES).update(
        status=ExportRecipientStatus.REMOVED, token_hash=None, removed_at=now, updated_at=now
    )
    if not removed:
        return
    audit_record(
        tenant_id=recipient.tenant_id,
        actor=actor,
        action="export.recipient_removed",
        target=recipient,
        before={"status": before, "email": recipient.email},
        after={"status": ExportRecipientStatus.REMOVED},
    )


@transaction.atomic
def recipient_confirm(*, raw_token) -> ExportRecipient:
    """The recipient behind a confirmation link confirms its address. Unknown, expired, used
    and removed links get one and the same refusal (410). The link is spent by a conditional
    UPDATE, so it confirms once however many times it is submitted at once."""
    recipient = recipient_by_token(raw_token)
    now = timezone.now()
    if recipient is None or not recipient.link_is_open(now):
        raise RecipientLinkInvalid()
    confirmed = (
        ExportRecipient.objects.with_scopes_disabled()
        .filter(pk=recipient.pk, status=ExportRecipientStatus.PENDING, token_hash=recipient.token_hash)
        .filter(token_expires_at__gt=now)
        .update(status=ExportRecipientStatus.CONFIRMED, token_hash=None, confirmed_at=now, updated_at=now)
    )
    if not confirmed:
        raise RecipientLinkInvalid()
    recipient.status, recipient.confirmed_at = ExportRecipientStatus.CONFIRMED, now
    audit_record(
        tenant_id=recipient.tenant_id,
        actor=None,
        action="export.recipient_confirmed",
        target=recipient,
        after={"email": recipient.email},
    )
    return recipient
